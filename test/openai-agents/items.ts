/** A history of every kind of item the SDK stores, each a valid `ModelItem` (checked by the tests). */
import type { AgentInputItem } from "@openai/agents-core";

export const EVERY_KIND: AgentInputItem[] = [
  { type: "message", role: "system", content: "Be brief. Ünïcødé ✓ 🚀 日本語 \u2028 \ud83d\ude00" },
  {
    role: "user",
    content: [
      { type: "input_text", text: "look 👀" },
      { type: "input_image", image: "data:image/png;base64,iVBORw0KGgo=", detail: "auto" },
      { type: "input_file", file: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
    ],
    providerData: { cache: { ttl: 5 }, bytes: new Uint8Array([0, 1, 254, 255]) },
  },
  {
    type: "message",
    role: "assistant",
    status: "completed",
    id: "msg_1",
    content: [
      { type: "output_text", text: "hi", providerData: { annotations: [] } },
      { type: "refusal", refusal: "no" },
    ],
  },
  {
    type: "reasoning",
    id: "rs_1",
    content: [{ type: "input_text", text: "thinking" }],
    providerData: { encryptedContent: "gAAAA..." },
  },
  {
    type: "function_call",
    id: "fc_1",
    callId: "call_1",
    name: "lookup",
    status: "completed",
    arguments: '{"q":"\\u0000 quote \\" ok"}',
  },
  {
    type: "function_call_result",
    callId: "call_1",
    name: "lookup",
    status: "completed",
    output: { type: "text", text: "found" },
  },
  {
    type: "function_call_result",
    callId: "call_2",
    name: "img",
    status: "completed",
    output: [{ type: "input_image", image: "data:image/png;base64,AAAA" }],
  },
  {
    type: "hosted_tool_call",
    id: "ws_1",
    name: "web_search_call",
    status: "completed",
    output: "results",
    providerData: { action: { type: "search", query: "q" } },
  },
  {
    type: "computer_call",
    id: "cc_1",
    callId: "call_3",
    status: "completed",
    action: { type: "click", x: 1, y: 2, button: "left" },
  },
  {
    type: "computer_call_result",
    callId: "call_3",
    output: { type: "computer_screenshot", data: "data:image/png;base64,AAAA" },
  },
  { type: "compaction", encrypted_content: "enc", id: "cmp_1" },
  // Objects that merely look like convmem's bytes encoding come back as themselves.
  {
    type: "unknown",
    providerData: {
      anything: [1, null, true, -0.5, 1e300, { $bytes: "iVBORw==" }, { $escaped: { $bytes: "" } }],
    },
  },
];
