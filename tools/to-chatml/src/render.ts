// The chat template code lives in @ldt/tokens (shared with manifest --template, issue 23 item 5);
// to-chatml turns a row the template refuses into a counted reject.
import { type ChatTemplate, loadTemplate, renderChatml, templateRenderer as sharedRenderer, TemplateRowError } from '@ldt/tokens';
import type { Msg } from './messages.js';
import { RowReject } from './messages.js';

export { type ChatTemplate, loadTemplate, renderChatml };

/** Compile a chat template into a renderer (messages, tools) → text; a row the template refuses is a `RowReject` (template_error). */
export async function templateRenderer(t: ChatTemplate): Promise<(messages: Msg[], tools: unknown[] | undefined) => string> {
  const render = await sharedRenderer(t);
  return (messages, tools) => {
    try {
      return render(messages, tools);
    } catch (e) {
      if (e instanceof TemplateRowError) throw new RowReject('template_error', e.message);
      throw e;
    }
  };
}
