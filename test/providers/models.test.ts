// Contract: every provider lists its models, in one shape.
import assert from "node:assert/strict";
import { it } from "node:test";
import { contractSuite } from "./targets.ts";

contractSuite("models", (target) => {
  it("lists the models, each with a plain id and no duplicates", async () => {
    const models = await target.client().listModels();
    assert.ok(models.length > 0);
    const ids = models.map((model) => model.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9][\w.:-]*$/, `odd model id ${id}`);
    // Gemini names models `models/…`; callers get the id they pass to chat.
    assert.ok(ids.every((id) => !id.startsWith("models/")));
    // Anthropic lists dated ids (claude-sonnet-4-5-20250929) and accepts the alias in chat.
    if (target.kind === "simulator") {
      assert.ok(
        ids.some((id) => id === target.model || id.startsWith(`${target.model}-`)),
        `${target.model} is listed`,
      );
    }
  });

  if (target.api === "moonshot" || target.api === "google") {
    it("reports each model's context length", async () => {
      const models = await target.client().listModels();
      assert.ok(
        models.some((model) => typeof model.contextLength === "number" && model.contextLength > 1000),
      );
    });
  }
});
