// @ts-check
// The steps of a join, as marks on the page's performance timeline
// ("join:page", "join:camera", "join:socket", "join:joined", "join:pc",
// "join:track", "join:connected", "join:frame"): the time of each first
// happening since the page's navigation began. `rapport-load join` reads
// them; so can anyone, with performance.getEntriesByType("mark").

/** @typedef {"page"|"camera"|"socket"|"joined"|"pc"|"track"|"connected"|"frame"} JoinStep */

/**
 * mark notes a step of the join the first time it happens.
 * @param {JoinStep} step
 */
export function mark(step) {
  const name = "join:" + step;
  if (performance.getEntriesByName(name, "mark").length === 0) performance.mark(name);
}
