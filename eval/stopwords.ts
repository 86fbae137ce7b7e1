/**
 * Stop words of the evaluation: an answer made only of these asks nothing. Kept apart from the local provider's
 * own lists on purpose, so the generator is not graded by its own vocabulary.
 */
import type { EvalLanguage } from "./score";

const words = (list: string) => new Set(list.split(" "));

export const STOPWORDS: Record<EvalLanguage, Set<string>> = {
  en: words(
    "a an the and or but if of in on at by for from to with without into onto over under about as is are was were be been being it its this that these those there here he she they we you i his her their our your not no yes so than then also very more most many much some any all each every one two which who whom whose what when where why how do does did has have had can could may might must shall should will would",
  ),
  pl: words(
    "i a o u w we z ze na do od po za przy przez dla bez pod nad przed między oraz lub albo ale czy że to ten ta te tym tego tej ci jest są był była było byli były być się nie tak jak już też także również bardzo jego jej ich on ona ono oni one który która które którzy co kto gdzie kiedy dlaczego jeden jedna dwa",
  ),
  de: words(
    "der die das den dem des ein eine einer eines einem einen und oder aber wenn als wie in im an am auf aus bei mit nach von vom zu zum zur für über unter vor durch um ist sind war waren sein wird werden wurde wurden hat haben hatte es er sie wir ihr ich nicht kein keine auch sehr mehr noch nur so dass daß welche welcher welches wer was wo wann warum wie",
  ),
  es: words(
    "el la los las un una unos unas y o u e pero si de del al a en con sin por para sobre entre hasta desde es son era eran fue fueron ser estar está están ha han había se su sus lo le les que quien quienes cual cuales cuando donde como muy más menos también no sí este esta estos estas ese esa eso uno dos qué quién cuándo dónde cómo",
  ),
};
