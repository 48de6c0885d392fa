// Contract: Moonshot's account balance and token estimate.
import assert from "node:assert/strict";
import { it } from "node:test";
import { contractSuite } from "./targets.ts";

contractSuite(
  "balance and token estimate",
  (target) => {
    it("reads the balance as numbers", async () => {
      const client = target.client();
      assert.equal(client.api, "moonshot");
      if (client.api !== "moonshot") return;
      const balance = await client.balance();
      for (const value of [balance.availableBalance, balance.voucherBalance, balance.cashBalance]) {
        assert.equal(typeof value, "number");
        assert.ok(Number.isFinite(value));
      }
    });

    it("estimates the tokens of a request, more for a longer one", async () => {
      const client = target.client();
      if (client.api !== "moonshot") return assert.fail("not a Moonshot client");
      const short = await client.estimateTokenCount({
        model: target.model,
        messages: [{ role: "user", content: "hi" }],
      });
      const long = await client.estimateTokenCount({
        model: target.model,
        system: "You are a careful assistant.",
        messages: [
          { role: "user", content: "Please summarise the plot of a long novel in great detail. ".repeat(20) },
        ],
      });
      assert.ok(short > 0);
      assert.ok(long > short, `${long} > ${short}`);
    });
  },
  { providers: ["moonshot"] },
);
