/**
 * The window's size, position and maximized state, remembered between runs
 * and put back only where a display can show it: a monitor unplugged or a
 * resolution lowered since the last run must never leave the window off-screen.
 * Pure functions and a tracker over a window-shaped interface, so tests need
 * no Electron.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The normal (restored) bounds, also when the window was maximized. */
  bounds: Rect;
  maximized: boolean;
}

export interface WindowPlacement extends Rect {
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1400, height: 900 } as const;
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;
/** A remembered window needs this much of itself on a display to stay on that display. */
const MIN_VISIBLE = { width: 120, height: 60 } as const;
/** Coordinates beyond any real desktop: a damaged store, not a position. */
const COORD_LIMIT = 100_000;

function isCoord(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= COORD_LIMIT;
}

/** Reads a stored window state, or null when it is missing or damaged. */
export function parseWindowState(raw: unknown): WindowState | null {
  if (!raw || typeof raw !== 'object') return null;
  const { bounds, maximized } = raw as { bounds?: unknown; maximized?: unknown };
  if (!bounds || typeof bounds !== 'object') return null;
  const { x, y, width, height } = bounds as Record<string, unknown>;
  if (!isCoord(x) || !isCoord(y) || !isCoord(width) || !isCoord(height) || width <= 0 || height <= 0) return null;
  return {
    bounds: { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height) },
    maximized: maximized === true,
  };
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

function fitSize(want: { width: number; height: number }, area: Rect): { width: number; height: number } {
  return {
    width: clamp(want.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width),
    height: clamp(want.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height),
  };
}

function centered(size: { width: number; height: number }, area: Rect): Rect {
  return {
    x: area.x + Math.round((area.width - size.width) / 2),
    y: area.y + Math.round((area.height - size.height) / 2),
    ...size,
  };
}

/**
 * Where to open the window. `workAreas` are the displays' work areas (without
 * task bars and docks); `primary` is the primary display's. A remembered window
 * goes back to the display showing most of it, resized and moved to lie wholly
 * inside that display; one no display shows enough of opens centred on the
 * primary display at its remembered size (fitted), as does a first run at the
 * default size.
 */
export function placeWindow(saved: WindowState | null, workAreas: readonly Rect[], primary: Rect): WindowPlacement {
  if (!saved) return { ...centered(fitSize(DEFAULT_WINDOW_SIZE, primary), primary), maximized: false };
  let best: Rect | null = null;
  let bestArea = 0;
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area);
    const visible =
      o.width >= Math.min(MIN_VISIBLE.width, saved.bounds.width) &&
      o.height >= Math.min(MIN_VISIBLE.height, saved.bounds.height);
    if (visible && o.width * o.height > bestArea) {
      best = area;
      bestArea = o.width * o.height;
    }
  }
  if (!best) return { ...centered(fitSize(saved.bounds, primary), primary), maximized: saved.maximized };
  const size = fitSize(saved.bounds, best);
  return {
    x: clamp(saved.bounds.x, best.x, best.x + best.width - size.width),
    y: clamp(saved.bounds.y, best.y, best.y + best.height - size.height),
    ...size,
    maximized: saved.maximized,
  };
}

/** The slice of BrowserWindow the tracker uses. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  removeListener(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
}

/**
 * Saves the window's state after it settles (moves and resizes arrive many
 * times a second while dragging) and once more as it closes. Full screen is
 * not a place to come back to: while in it nothing is saved, so the state
 * before it stays. Returns a function that stops tracking.
 */
export function trackWindowState(win: TrackedWindow, save: (s: WindowState) => void, delayMs = 500): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const saveNow = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isFullScreen()) return;
    save({ bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(saveNow, delayMs);
  };
  const events = ['resize', 'move', 'maximize', 'unmaximize'] as const;
  for (const e of events) win.on(e, later);
  win.on('close', saveNow);
  return () => {
    if (timer) clearTimeout(timer);
    for (const e of events) win.removeListener(e, later);
    win.removeListener('close', saveNow);
  };
}
