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

export async function executeRoute<T>(
  resilience: Resilience,
  route: Route,
  call: (target: RouteTarget, context: CallContext) => Promise<T>,
  options: FallbackOptions = {},
): Promise<RouteResult<T>> {
  const { targets } = route;
  const result = await resilience.executeChain(
    targets.map((target) => target.provider.id),
    (_provider, context, index) => call(targets[index]!, context),
    options,
  );
  return { ...result, target: targets[result.index]! };
}
