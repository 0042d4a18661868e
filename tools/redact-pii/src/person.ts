import nlp from 'compromise';

/**
 * PERSON spans (best effort, English): the people compromise's lexicon and grammar tag
 * (`nlp(text).people()`), with their character offsets. Honorifics (`Dr.`, `Mrs.`) are part of
 * the span. A single capitalised word tagged as a person (e.g. a first name at the start of a
 * sentence) counts too. Measured in bench/redact-pii-eval.mjs; see the README for its figures.
 */
export function findPeople(text: string): { start: number; end: number }[] {
  if (!/[A-Z]/.test(text)) return [];
  const out: { start: number; end: number }[] = [];
  const found = nlp(text).people().json({ offset: true }) as { text: string; offset: { start: number; length: number } }[];
  for (const p of found) {
    let start = p.offset.start;
    let end = start + p.offset.length;
    // Trailing punctuation of the term is not part of the name.
    while (end > start && /[\s.,;:!?'")\]]/.test(text[end - 1]) && !/^(?:Dr|Mr|Mrs|Ms|Jr|Sr)\.$/.test(text.slice(start, end))) end--;
    while (start < end && /[\s"'([]/.test(text[start])) start++;
    if (end > start) out.push({ start, end });
  }
  return out;
}
