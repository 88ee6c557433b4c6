import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  parseWindowState,
  placeWindow,
  type Rect,
  type TrackedWindow,
  trackWindowState,
  type WindowState,
} from './window-state';

const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
// A second monitor to the right, taller, starting higher up.
const monitor: Rect = { x: 1920, y: -200, width: 2560, height: 1400 };
const state = (x: number, y: number, width: number, height: number, maximized = false): WindowState => ({
  bounds: { x, y, width, height },
  maximized,
});

describe('window placement', () => {
  it('opens a first window at the default size, centred on the primary display', () => {
    expect(placeWindow(null, [laptop], laptop)).toEqual({
      x: (1920 - DEFAULT_WINDOW_SIZE.width) / 2,
      y: (1040 - DEFAULT_WINDOW_SIZE.height) / 2,
      ...DEFAULT_WINDOW_SIZE,
      maximized: false,
    });
    const small: Rect = { x: 0, y: 0, width: 1280, height: 700 };
    expect(placeWindow(null, [small], small)).toMatchObject({ x: 0, y: 0, width: 1280, height: 700 });
  });

  it('puts a window back exactly where it was when that place is visible', () => {
    expect(placeWindow(state(100, 80, 1200, 800), [laptop, monitor], laptop)).toEqual({
      x: 100,
      y: 80,
      width: 1200,
      height: 800,
      maximized: false,
    });
    expect(placeWindow(state(2500, -100, 1600, 1000, true), [laptop, monitor], laptop)).toEqual({
      x: 2500,
      y: -100,
      width: 1600,
      height: 1000,
      maximized: true,
    });
  });

  it('brings a window on an unplugged monitor back to the primary display, keeping its size and maximized state', () => {
    expect(placeWindow(state(2500, -100, 1600, 1000, true), [laptop], laptop)).toEqual({
      x: 160,
      y: 20,
      width: 1600,
      height: 1000,
      maximized: true,
    });
  });

  it('pulls a window hanging off an edge inside the display that shows most of it', () => {
    // Mostly on the laptop, hanging off its bottom and into the monitor.
    expect(placeWindow(state(1000, 600, 1200, 800), [laptop, monitor], laptop)).toEqual({
      x: 720,
      y: 240,
      width: 1200,
      height: 800,
      maximized: false,
    });
    // Title bar above the top of the screen.
    expect(placeWindow(state(100, -300, 1000, 700), [laptop], laptop)).toMatchObject({ x: 100, y: 0 });
  });

  it('shrinks a window larger than its display (a lower resolution since last time)', () => {
    expect(placeWindow(state(0, 0, 3000, 2000), [laptop], laptop)).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 1040,
      maximized: false,
    });
  });

  it('treats a sliver on a display as off-screen', () => {
    // Only 50 px of the window's width on the laptop, no other display.
    expect(placeWindow(state(1870, 100, 1000, 700), [laptop], laptop)).toMatchObject({ x: 460, y: 170 });
  });

  it('reads stored states defensively', () => {
    expect(parseWindowState({ bounds: { x: 1.6, y: 2, width: 900, height: 600 }, maximized: 'yes' })).toEqual(
      state(2, 2, 900, 600),
    );
    for (const bad of [
      null,
      'x',
      {},
      { bounds: null },
      { bounds: { x: 0, y: 0, width: 0, height: 600 } },
      { bounds: { x: '0', y: 0, width: 900, height: 600 } },
      { bounds: { x: 1e12, y: 0, width: 900, height: 600 } },
      { bounds: { x: 0, y: 0, width: Number.POSITIVE_INFINITY, height: 600 } },
    ]) {
      expect(parseWindowState(bad)).toBeNull();
    }
  });
});

class FakeWindow extends EventEmitter implements TrackedWindow {
  bounds: Rect = { x: 10, y: 10, width: 1000, height: 700 };
  maximized = false;
  fullScreen = false;
  getNormalBounds = () => ({ ...this.bounds });
  isMaximized = () => this.maximized;
  isFullScreen = () => this.fullScreen;
}

describe('window state tracking', () => {
  afterEach(() => vi.useRealTimers());

  it('saves once the window settles, and at once when it closes', () => {
    vi.useFakeTimers();
    const w = new FakeWindow();
    const saved: WindowState[] = [];
    trackWindowState(w, (s) => saved.push(s), 500);
    for (let i = 0; i < 20; i++) {
      w.bounds.x += 5;
      w.emit('move');
      vi.advanceTimersByTime(100);
    }
    expect(saved).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(saved).toEqual([state(110, 10, 1000, 700)]);
    w.maximized = true;
    w.emit('maximize');
    w.emit('close');
    expect(saved.at(-1)).toEqual(state(110, 10, 1000, 700, true));
    vi.advanceTimersByTime(1000);
    expect(saved).toHaveLength(2);
  });

  it('does not remember full screen, and stops when asked', () => {
    vi.useFakeTimers();
    const w = new FakeWindow();
    const saved: WindowState[] = [];
    const stop = trackWindowState(w, (s) => saved.push(s), 500);
    w.fullScreen = true;
    w.bounds = { x: 0, y: 0, width: 1920, height: 1080 };
    w.emit('resize');
    vi.advanceTimersByTime(600);
    w.emit('close');
    expect(saved).toEqual([]);
    stop();
    w.fullScreen = false;
    w.emit('resize');
    w.emit('close');
    vi.advanceTimersByTime(600);
    expect(saved).toEqual([]);
    expect(w.listenerCount('resize') + w.listenerCount('close')).toBe(0);
  });
});
