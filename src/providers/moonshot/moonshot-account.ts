// Moonshot-only endpoints: the account balance and the token estimate for a chat request. Both
// answer inside the platform's `{code, data, scode, status}` wrapper, which the docs sometimes omit.
import { z } from "zod";
import type { ChatRequest } from "../chat.ts";
import type { ProviderHttp } from "../http.ts";
import { openAiCompatibleBody } from "../openai-compatible-chat.ts";
import { moonshotDialect } from "./moonshot-chat.ts";

const balanceSchema = z.looseObject({
  data: z.looseObject({
    available_balance: z.number(),
    voucher_balance: z.number(),
    cash_balance: z.number(),
  }),
});

const estimateSchema = z.looseObject({ data: z.looseObject({ total_tokens: z.number() }) });

export interface MoonshotBalance {
  /** What inference can spend; requests are refused at zero or below. USD on .ai, CNY on .cn. */
  availableBalance: number;
  voucherBalance: number;
  /** Can be negative. */
  cashBalance: number;
}

export async function readMoonshotBalance(
  http: ProviderHttp,
  signal?: AbortSignal,
): Promise<MoonshotBalance> {
  const { data } = await http.json({ method: "GET", path: "/users/me/balance", signal }, balanceSchema);
  return {
    availableBalance: data.available_balance,
    voucherBalance: data.voucher_balance,
    cashBalance: data.cash_balance,
  };
}

export async function estimateMoonshotTokens(http: ProviderHttp, request: ChatRequest): Promise<number> {
  const { model, messages } = openAiCompatibleBody(request, moonshotDialect(http.provider), false);
  const result = await http.json(
    {
      method: "POST",
      path: "/tokenizers/estimate-token-count",
      json: { model, messages },
      signal: request.signal,
    },
    estimateSchema,
  );
  return result.data.total_tokens;
}
