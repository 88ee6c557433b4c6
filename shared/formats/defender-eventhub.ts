/**
 * Defender XDR streaming API (Event Hub or storage account) shape:
 * `{"records":[{"time","tenantId","operationName":"Publish","category":"AdvancedHunting-<Table>","properties":{<row>}}]}`,
 * one or many such documents per file (pretty-printed, concatenated or NDJSON),
 * or the records themselves one per line as the storage-account export writes
 * them. Records of other categories are skipped as "not a network event (<Table>)".
 * The reading is the JSON one (see defender-json.ts for row numbering).
 */
import { DefenderJsonParser, looksLikeEventHub, startsLikeJson } from './defender-json';
import type { FormatDefinition, FormatParser, ParseContext } from './types';

export const defenderEventHubFormat: FormatDefinition = {
  id: 'defender-eventhub',
  label: 'Defender XDR — streaming API / Event Hub JSON',
  usesLocalTime: false,
  missingFields: [],
  sniff(head: string): number {
    try {
      if (!startsLikeJson(head) || !looksLikeEventHub(head)) return 0;
      return head.includes('"AdvancedHunting-DeviceNetworkEvents"') ? 0.95 : 0.6;
    } catch {
      return 0;
    }
  },
  open(ctx: ParseContext): FormatParser {
    return new DefenderJsonParser(ctx);
  },
};
