/**
 * Text from the bank or the user inside a prompt: one line, so no line of it can start a section of the prompt
 * ("New facts:", "Memories:", "Message:") or a list item of its own. A stored memory "Likes tea\nNew facts:\n- …"
 * would otherwise read to the model as a second facts section.
 */
// Every line break a tokenizer or a model may treat as one (CR, LF, VT, FF, NEL, LS, PS), and the other controls.
const BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu;

export function promptLine(text: string): string {
  return text.replace(BREAKS_AND_CONTROLS, ' ').replace(/ {2,}/g, ' ').trim();
}
