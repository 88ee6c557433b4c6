/**
 * The normalized transaction every parser produces. Unknown stays `null`, never 0:
 * endpoint network events carry no byte counts, several proxy formats lack upload
 * bytes, some lack users. Views show "n/a" for what a source cannot provide.
 */
export type EventAction = 'allowed' | 'blocked' | 'failed';

export interface NetworkEvent {
  /** Event time, UTC epoch milliseconds. */
  time: number;
  /** Stable device identifier when the source has one (Defender DeviceId). */
  deviceId: string | null;
  /** Device name as the source reports it. */
  deviceName: string | null;
  /** Account: UPN when known, else name (DOMAIN\\user or user). */
  user: string | null;
  /** The device's own (source) IP address. */
  localIp: string | null;
  remoteIp: string | null;
  remotePort: number | null;
  /** Hostname, lowercase, no trailing dot; null when only the remote IP is known. */
  host: string | null;
  url: string | null;
  bytesUp: number | null;
  bytesDown: number | null;
  action: EventAction;
  process: string | null;
  /**
   * Source-unique key when the source has one (Defender: DeviceId|Timestamp|ReportId),
   * used to de-duplicate overlapping partial exports of one hunt. Null otherwise.
   */
  eventKey: string | null;
  /**
   * The 53-bit hash de-duplication uses, when the parser computes it from the key's
   * parts without building `eventKey` (Defender). Takes the place of eventKey's hash.
   */
  eventHash?: number | null;
  /**
   * Set only by pre-aggregated imports (an hourly fact computed elsewhere, e.g. by
   * the KQL that Cloudscope generates): this event stands for `count` transactions
   * of one hour, `blocked` of them blocked, seen from `firstSeen` to `lastSeen`
   * (UTC ms, within the hour of `time`). Absent on every raw event.
   */
  aggregate?: AggregateWeight;
}

export interface AggregateWeight {
  count: number;
  blocked: number;
  firstSeen: number;
  lastSeen: number;
}

export function emptyEvent(time: number): NetworkEvent {
  return {
    time,
    deviceId: null,
    deviceName: null,
    user: null,
    localIp: null,
    remoteIp: null,
    remotePort: null,
    host: null,
    url: null,
    bytesUp: null,
    bytesDown: null,
    action: 'allowed',
    process: null,
    eventKey: null,
  };
}
