/** What a successful action adds to its receipt. */
export interface ActionOutcome {
  challengeId?: bigint;
  credits?: bigint;
}
