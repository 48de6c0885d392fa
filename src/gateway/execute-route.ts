// Runs one call over a route's targets through the resilience layer: each target under its
// provider's policy, falling back to the next only while nothing has reached the client. The one
// implementation behind `ask`, the HTTP dialects and the MCP tools.
import type { FallbackOptions, FallbackResult } from "../resilience/fallback.ts";
import type { Resilience } from "../resilience/resilience.ts";
import type { CallContext } from "../resilience/timeouts.ts";
import type { Route, RouteTarget } from "./routing.ts";

export interface RouteResult<T> extends FallbackResult<T> {
  /** The target that answered: its provider and the model it was asked for. */
  target: RouteTarget;
}

export interface RouteOptions extends Omit<FallbackOptions, "prepare"> {
  /** A target's work before its call takes a slot of its provider's bulkhead: see FallbackOptions. */
  prepare?: (target: RouteTarget) => Promise<void>;
}

export async function executeRoute<T>(
  resilience: Resilience,
  route: Route,
  call: (target: RouteTarget, context: CallContext) => Promise<T>,
  options: RouteOptions = {},
): Promise<RouteResult<T>> {
  const { targets } = route;
  const { prepare, ...rest } = options;
  const result = await resilience.executeChain(
    targets.map((target) => target.provider.id),
    (_provider, context, index) => call(targets[index]!, context),
    prepare === undefined ? rest : { ...rest, prepare: (_provider, index) => prepare(targets[index]!) },
  );
  return { ...result, target: targets[result.index]! };
}
