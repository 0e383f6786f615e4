#include "libs/manifest/builder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/manifest/text.h"
#include "libs/manifest/word_table.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace armature::manifest {
namespace {

using armature::v1::AudioCue;
using armature::v1::ProductionManifest;
using armature::v1::Scene;

constexpr size_t kMaxMusicCues = 32;
constexpr size_t kMaxSfxCues = 64;
constexpr size_t kMaxRecurring = 10;

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiAlpha(char c) { return IsAsciiUpper(c) || IsAsciiLower(c); }

int64_t ToMillis(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return 0;
  return static_cast<int64_t>(std::llround(std::min(seconds, 1e9) * 1000.0));
}

// Splits `total` into parts proportional to `weights` (largest remainder; ties go to the
// earlier part). Non-finite or negative weights count as zero; all-zero weights share equally.
std::vector<int64_t> Apportion(int64_t total, const std::vector<double>& weights) {
  const size_t n = weights.size();
  std::vector<int64_t> out(n, 0);
  if (n == 0 || total <= 0) return out;
  std::vector<double> w(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    w[i] = std::isfinite(weights[i]) && weights[i] > 0 ? weights[i] : 0;
    sum += w[i];
  }
  if (!(sum > 0) || !std::isfinite(sum)) {
    std::fill(w.begin(), w.end(), 1.0);
    sum = static_cast<double>(n);
  }
  std::vector<std::pair<double, size_t>> remainders(n);
  int64_t assigned = 0;
  for (size_t i = 0; i < n; ++i) {
    const double exact = static_cast<double>(total) * (w[i] / sum);
    out[i] = static_cast<int64_t>(std::floor(exact));
    assigned += out[i];
    remainders[i] = {exact - static_cast<double>(out[i]), i};
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  int64_t left = total - assigned;
  for (size_t k = 0; left > 0; k = (k + 1) % n, --left) ++out[remainders[k].second];
  // Rounding can overshoot by a unit in pathological float cases; take it back from the largest.
  while (left < 0) {
    auto it = std::max_element(out.begin(), out.end());
    --*it;
    ++left;
  }
  return out;
}

std::string FormatSeconds(int64_t ms) {
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000);
  return absl::StrFormat("%.3f", static_cast<double>(ms) / 1000.0);
}

// ----- Names and props -------------------------------------------------------------------------

struct Token {
  std::string_view text;      // as written (possessive removed), a view of the parsed treatment
  bool break_before = false;  // punctuation (or a new piece) between this token and the previous
};

// Bytes for Tokenize: letters, digits and non-ASCII bytes make words; between words, spaces,
// apostrophes and hyphens join words, and every other byte (punctuation) breaks a run of names.
enum class CharClass : uint8_t { kBreak, kJoin, kWord };

constexpr std::array<CharClass, 256> kCharClasses = [] {
  std::array<CharClass, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    const bool join = c == ' ' || c == '\'' || c == '-';
    table[static_cast<size_t>(c)] = word   ? CharClass::kWord
                                    : join ? CharClass::kJoin
                                           : CharClass::kBreak;
  }
  return table;
}();

CharClass ClassOf(char c) { return kCharClasses[static_cast<unsigned char>(c)]; }
bool IsWordChar(char c) { return ClassOf(c) == CharClass::kWord; }

// Appends the words of `text` to `tokens`; the first one is always marked break_before.
void Tokenize(std::string_view text, std::vector<Token>& tokens) {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool pending_break = true;
#if defined(__SSE2__)
  // The end of a run of word bytes, sixteen bytes at a time where there are that many.
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i before_a = _mm_set1_epi8('a' - 1);
  const __m128i after_z = _mm_set1_epi8('z' + 1);
  const __m128i before_0 = _mm_set1_epi8('0' - 1);
  const __m128i after_9 = _mm_set1_epi8('9' + 1);
  const __m128i zero = _mm_setzero_si128();
  const auto skip_word_bytes = [&](const char* q) {
    while (end - q >= 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      // Signed compares: non-ASCII bytes are the negative ones and fall in neither range.
      const __m128i folded = _mm_or_si128(bytes, case_bit);
      const __m128i letter =
          _mm_and_si128(_mm_cmpgt_epi8(folded, before_a), _mm_cmplt_epi8(folded, after_z));
      const __m128i digit =
          _mm_and_si128(_mm_cmpgt_epi8(bytes, before_0), _mm_cmplt_epi8(bytes, after_9));
      const __m128i word = _mm_or_si128(_mm_or_si128(letter, digit), _mm_cmplt_epi8(bytes, zero));
      const auto other = static_cast<unsigned>(~_mm_movemask_epi8(word)) & 0xFFFFu;
      if (other != 0) return q + std::countr_zero(other);
      q += 16;
    }
    while (q < end && IsWordChar(*q)) ++q;
    return q;
  };
#else
  const auto skip_word_bytes = [&](const char* q) {
    while (q < end && IsWordChar(*q)) ++q;
    return q;
  };
#endif
  while (true) {
    // Between words.
    for (; p < end; ++p) {
      const CharClass c = ClassOf(*p);
      if (c == CharClass::kWord) break;
      pending_break = pending_break || c == CharClass::kBreak;
    }
    if (p == end) break;
    const char* const start = p;
    // A word: word characters, and an apostrophe or hyphen followed by a letter ("don't").
    while (true) {
      p = skip_word_bytes(p);
      if (end - p >= 2 && (*p == '\'' || *p == '-') && IsAsciiAlpha(p[1])) {
        p += 2;
        continue;
      }
      break;
    }
    std::string_view word(start, static_cast<size_t>(p - start));
    // Possessives: "Maya's" and "Maya’s" name "Maya".
    if (word.back() == 's') {
      if (word.size() > 2 && word.ends_with("'s")) word.remove_suffix(2);
      if (word.size() > 4 && word.ends_with("\xE2\x80\x99s")) word.remove_suffix(4);
    }
    tokens.push_back({word, pending_break});
    pending_break = false;
  }
}

inline bool IsTitleCaseWord(std::string_view w) {
  if (w.size() < 2 || !IsAsciiUpper(w[0])) return false;
  for (size_t i = 1; i < w.size(); ++i) {
    if (IsAsciiLower(w[i])) return true;
  }
  return false;
}

// Lowercase word lists, looked up with WordSet::ContainsLower or (for words known to be written
// in lowercase) WordSet::Contains.
const WordSet& NameStopwords() {
  static const auto* const kWords = new WordSet{
      "the",        "a",         "an",        "and",       "but",       "or",       "so",
      "if",         "then",      "than",      "when",      "while",     "what",     "why",
      "how",        "where",     "who",       "which",     "this",      "that",     "these",
      "those",      "it",        "its",       "we",        "you",       "your",     "our",
      "us",         "i",         "me",        "my",        "he",        "she",      "they",
      "them",       "their",     "his",       "her",       "in",        "on",       "at",
      "of",         "for",       "with",      "to",        "from",      "by",       "as",
      "into",       "over",      "under",     "after",     "before",    "now",      "here",
      "there",      "today",     "tomorrow",  "tonight",   "every",     "each",     "all",
      "some",       "no",        "not",       "yes",       "just",      "only",     "also",
      "meet",       "let",       "don't",     "didn't",    "did",       "do",       "does",
      "is",         "are",       "was",       "were",      "be",        "been",     "one",
      "two",        "three",     "four",      "five",      "first",     "second",   "third",
      "next",       "finally",   "imagine",   "picture",   "start",     "stop",     "try",
      "get",        "make",      "see",       "watch",     "look",      "join",     "visit",
      "subscribe",  "follow",    "learn",     "discover",  "welcome",   "hello",    "hi",
      "thanks",     "thank",     "ready",     "close",     "wide",      "cut",      "fade",
      "scene",      "shot",      "narration", "visual",    "music",     "step",     "tip",
      "more",       "most",      "many",      "much",      "even",      "still",    "well",
      "great",      "new",       "because",   "since",     "until",     "like",     "without",
      "about",      "behind",    "during",    "inside",    "outside",   "through",  "upon",
      "within",     "monday",    "tuesday",   "wednesday", "thursday",  "friday",   "saturday",
      "sunday",     "january",   "february",  "march",     "april",     "may",      "june",
      "july",       "august",    "september", "october",   "november",  "december", "ok",
      "okay",       "oh",        "wow",       "sure",      "yet",       "never",    "always",
      "maybe",      "perhaps",   "instead",   "however",   "meanwhile", "later",    "soon",
      "again",      "once",      "nobody",    "everyone",  "someone",   "anyone",   "nothing",
      "everything", "something", "ever",      "can",       "could",     "will",     "would",
      "should",     "must",      "might",     "may",       "have",      "has",      "had",
      "are",        "say",       "said",      "tell",      "ask",       "go",       "come",
      "take",       "give",      "keep",      "put",       "use",       "find",     "think",
      "know",       "want",      "need",      "feel",      "show",      "open",     "cta",
      "hook",       "intro",     "outro",     "vo",        "sfx",       "ost"};
  return *kWords;
}

const WordSet& PropStopwords() {
  static const auto* const kWords = new WordSet{
      "shot",   "shots",      "scene",    "scenes",     "view",      "screen",    "camera",
      "frame",  "moment",     "time",     "day",        "way",       "thing",     "things",
      "video",  "image",      "close",    "background", "people",    "person",    "man",
      "woman",  "men",        "women",    "same",       "other",     "end",       "start",
      "middle", "top",        "bottom",   "side",       "left",      "right",     "front",
      "back",   "first",      "last",     "next",       "whole",     "entire",    "one",
      "two",    "three",      "world",    "viewer",     "viewers",   "audience",  "text",
      "title",  "logo",       "light",    "color",      "colour",    "style",     "look",
      "mood",   "music",      "sound",    "voice",      "narration", "clip",      "footage",
      "cut",    "transition", "close-up", "closeup",    "slow",      "motion",    "zoom",
      "pan",    "fade",       "overlay",  "graphic",    "graphics",  "animation", "part",
      "lot",    "bit",        "kind",     "sort",       "rest",      "number",    "idea"};
  return *kWords;
}

const WordSet& Determiners() {
  static const auto* const kWords =
      new WordSet{"a",    "an", "the",  "her",  "his",   "their", "its", "our",
                  "your", "my", "this", "that", "these", "those", "some"};
  return *kWords;
}

const WordSet& RunBreakers() {
  static const auto* const kWords = new WordSet{
      "at",     "in",      "on",     "with",    "of",     "for",    "to",     "from",
      "by",     "as",      "into",   "over",    "under",  "near",   "while",  "and",
      "or",     "but",     "is",     "are",     "was",    "were",   "that",   "which",
      "who",    "then",    "than",   "next",    "beside", "behind", "across", "through",
      "around", "above",   "below",  "between", "before", "after",  "during", "against",
      "toward", "towards", "onto",   "off",     "out",    "up",     "down",   "being",
      "has",    "have",    "slowly", "quickly", "again",  "open",   "closed", "shut",
      "empty",  "full",    "alone",  "asleep",  "awake",  "ready",  "nearby", "together",
      "now",    "here",    "there",  "lies",    "sits",   "stands", "glows",  "shows",
      "turns",  "opens"};
  return *kWords;
}

// Capitalised names in `tokens`: runs of Title-case words ("Sarah Chen"), leading stopwords
// dropped ("The Armature" -> "Armature").
void CollectNames(std::span<const Token> tokens, std::vector<std::string>& names) {
  size_t i = 0;
  while (i < tokens.size()) {
    if (!IsTitleCaseWord(tokens[i].text)) {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < tokens.size() && j - i < 3 && !tokens[j].break_before &&
           IsTitleCaseWord(tokens[j].text))
      ++j;
    size_t begin = i;
    while (begin < j && NameStopwords().ContainsLower(tokens[begin].text)) ++begin;
    if (begin < j) {
      std::string name(tokens[begin].text);
      for (size_t k = begin + 1; k < j; ++k) {
        name.push_back(' ');
        name.append(tokens[k].text);
      }
      names.push_back(std::move(name));
    }
    i = j;
  }
}

bool EndsWith(std::string_view w, std::string_view suffix) {
  return w.size() > suffix.size() + 2 && w.substr(w.size() - suffix.size()) == suffix;
}

// Nouns after a determiner in visual descriptions: "a chipped mug next to the laptop" gives
// "mug" and "laptop" (the last word of each run that is not a participle or adverb).
void CollectProps(std::span<const Token> tokens, std::vector<std::string_view>& props) {
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (!Determiners().ContainsLower(tokens[i].text)) continue;
    std::string_view noun;
    for (size_t j = i + 1; j < tokens.size() && j - i <= 3; ++j) {
      const std::string_view w = tokens[j].text;
      if (tokens[j].break_before) break;
      if (w.empty() || !IsAsciiLower(w[0]) || RunBreakers().Contains(w)) break;
      if (EndsWith(w, "ed") || EndsWith(w, "ing") || EndsWith(w, "ly")) continue;
      noun = w;
    }
    if (noun.size() >= 3 && !PropStopwords().Contains(noun) && !Determiners().Contains(noun)) {
      props.push_back(noun);
    }
  }
}

template <typename T>
void AddUnique(std::vector<T>& list, T value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

struct Recurring {
  std::vector<std::string> characters;
  std::vector<std::string> props;
};

// In how many scenes a name or prop was counted, and the last one (to count a scene once).
struct SceneCount {
  int scenes = 0;
  size_t last_scene = static_cast<size_t>(-1);

  // Counts scene `s`; true when it is the first scene.
  bool Count(size_t s, bool* first) {
    if (last_scene == s) return false;
    last_scene = s;
    *first = scenes++ == 0;
    return true;
  }
};

Recurring FindRecurring(const ParsedTreatment& parsed) {
  const size_t n = parsed.scenes.size();
  // Per scene: its names in order (capitalised runs, then its characters) and its visuals' props.
  std::vector<std::vector<std::string>> scene_names(n);
  std::vector<std::vector<std::string_view>> scene_props(n);
  // The words of every scene: its narration, visuals and on-screen text, each piece starting
  // with a break (so a run of names or a prop never spans two pieces, and each visual can be read
  // on its own).
  std::vector<Token> tokens;
  {
    // About one word per six bytes of text: a guess that spares most regrowth.
    size_t bytes = 0;
    for (const ParsedScene& scene : parsed.scenes) bytes += scene.narration.size();
    tokens.reserve(bytes / 6 + 64);
  }
  const auto span = [&tokens](size_t from, size_t to) {
    return std::span<const Token>(tokens.data() + from, to - from);
  };
  std::vector<std::pair<size_t, size_t>> visuals;  // token ranges of one scene's visuals
  for (size_t s = 0; s < n; ++s) {
    const ParsedScene& scene = parsed.scenes[s];
    const size_t scene_begin = tokens.size();
    Tokenize(scene.narration, tokens);
    visuals.clear();
    for (const ParsedVisual& v : scene.visuals) {
      const size_t from = tokens.size();
      Tokenize(v.description, tokens);
      visuals.emplace_back(from, tokens.size());
    }
    for (const std::string& text : scene.on_screen_text) Tokenize(text, tokens);
    CollectNames(span(scene_begin, tokens.size()), scene_names[s]);
    for (const std::string& c : scene.characters) scene_names[s].push_back(c);
    for (const auto& [from, to] : visuals) CollectProps(span(from, to), scene_props[s]);
  }

  // Which lowercased single-word names occur among the lowercase words. A filter on the first
  // letter and the length (63 standing for 63 or more) leaves few words to look up.
  absl::flat_hash_set<std::string> single_names;
  uint64_t lengths[26] = {};
  const auto length_bit = [](size_t size) { return uint64_t{1} << std::min<size_t>(size, 63); };
  for (const std::vector<std::string>& names : scene_names) {
    for (const std::string& name : names) {
      if (name.find(' ') != std::string::npos) continue;
      std::string lower = Lower(name);
      // The lowercase words start with a lowercase letter.
      if (lower.empty() || !IsAsciiLower(lower[0])) continue;
      lengths[lower[0] - 'a'] |= length_bit(lower.size());
      single_names.insert(std::move(lower));
    }
  }
  // Words seen in lowercase anywhere (their first letter) are not names ("Teams" at a sentence
  // start); only single-word names are checked against them.
  absl::flat_hash_set<std::string> lowercase_names;
  for (const Token& t : tokens) {
    const std::string_view w = t.text;
    if (!IsAsciiLower(w[0]) || (lengths[w[0] - 'a'] & length_bit(w.size())) == 0) continue;
    std::string word(w);
    if (single_names.contains(word)) lowercase_names.insert(std::move(word));
  }

  Recurring out;
  std::vector<std::string> order;
  absl::flat_hash_map<std::string, SceneCount> scene_count;
  for (size_t s = 0; s < n; ++s) {
    for (std::string& name : scene_names[s]) {
      const bool single = name.find(' ') == std::string::npos;
      if (single &&
          (NameStopwords().ContainsLower(name) || lowercase_names.contains(Lower(name)))) {
        continue;
      }
      bool first = false;
      if (scene_count[name].Count(s, &first) && first) order.push_back(name);
    }
  }
  for (const std::string& c : parsed.characters) {
    if (out.characters.size() < kMaxRecurring) AddUnique(out.characters, c);
  }
  for (const std::string& name : order) {
    if (out.characters.size() >= kMaxRecurring) break;
    if (scene_count[name].scenes >= 2) AddUnique(out.characters, name);
  }

  // Words of the recurring characters, lowercased, are not props.
  std::vector<std::string> character_words_storage;
  for (const std::string& c : out.characters) {
    for (std::string_view w : SplitWords(c)) character_words_storage.push_back(Lower(w));
  }
  const absl::flat_hash_set<std::string_view> character_words(character_words_storage.begin(),
                                                              character_words_storage.end());
  std::vector<std::string_view> prop_order;
  absl::flat_hash_map<std::string_view, SceneCount> prop_count;
  for (size_t s = 0; s < n; ++s) {
    for (const std::string_view p : scene_props[s]) {
      if (character_words.contains(p)) continue;
      bool first = false;
      if (prop_count[p].Count(s, &first) && first) prop_order.push_back(p);
    }
  }
  for (const std::string& p : parsed.props) {
    if (out.props.size() < kMaxRecurring) AddUnique(out.props, p);
  }
  for (const std::string_view p : prop_order) {
    if (out.props.size() >= kMaxRecurring) break;
    if (prop_count[p].scenes >= 2) AddUnique(out.props, std::string(p));
  }
  return out;
}

// ----- Hashing ---------------------------------------------------------------------------------

void HashList(StableHasher& h, const std::vector<std::string>& list) {
  h.AddNumber(static_cast<double>(list.size()));
  for (const std::string& s : list) h.Add(s);
}

std::string ManifestId(const ParsedTreatment& parsed, const NormalizedHints& hints,
                       const BuildOptions& options) {
  StableHasher h;
  h.Add("armature.manifest.v1");
  h.Add(parsed.title);
  h.Add(parsed.style);
  HashList(h, parsed.palette);
  h.AddNumber(parsed.total_duration_seconds.value_or(-1));
  HashList(h, parsed.music);
  HashList(h, parsed.characters);
  HashList(h, parsed.props);
  HashList(h, parsed.notes);
  h.AddNumber(static_cast<double>(parsed.scenes.size()));
  for (const ParsedScene& s : parsed.scenes) {
    h.Add(s.title);
    h.AddNumber(s.duration_seconds.value_or(-1));
    h.AddNumber(s.start_seconds.value_or(-1));
    h.Add(s.narration);
    h.AddNumber(static_cast<double>(s.visuals.size()));
    for (const ParsedVisual& v : s.visuals) {
      h.Add(v.description);
      h.AddNumber(v.stock ? 1 : 0);
    }
    HashList(h, s.on_screen_text);
    HashList(h, s.music);
    HashList(h, s.sfx);
    HashList(h, s.effects);
    HashList(h, s.notes);
    HashList(h, s.characters);
    h.AddNumber(s.chart ? 1 : 0);
    if (s.chart) {
      h.Add(s.chart->kind);
      h.Add(s.chart->title);
      h.AddNumber(static_cast<double>(s.chart->points.size()));
      for (const ParsedChartPoint& p : s.chart->points) {
        h.Add(p.label);
        h.AddNumber(p.value);
      }
    }
  }
  h.AddNumber(hints.duration_seconds);
  h.Add(hints.aspect_ratio);
  h.Add(hints.platform);
  h.Add(hints.language);
  h.Add(hints.tone);
  h.Add(hints.profile);
  h.Add(hints.style);
  h.Add(hints.title);
  h.AddNumber(options.min_scene_seconds);
  h.Add(options.default_style);
  h.AddNumber(options.default_music ? 1 : 0);
  h.Add(options.voice_id);
  return absl::StrFormat("mf_%016x", h.value());
}

std::string VoiceStyle(std::string_view tone) {
  static const auto* const kStyles =
      new absl::flat_hash_map<std::string, std::string>{{"neutral", "clear"},
                                                        {"professional", "confident"},
                                                        {"playful", "energetic"},
                                                        {"energetic", "energetic"},
                                                        {"warm", "warm"},
                                                        {"friendly", "friendly"},
                                                        {"serious", "calm"},
                                                        {"calm", "calm"},
                                                        {"inspirational", "uplifting"},
                                                        {"humorous", "playful"},
                                                        {"casual", "conversational"},
                                                        {"dramatic", "dramatic"}};
  const std::string key = Lower(Trim(tone));
  auto it = kStyles->find(key);
  if (it != kStyles->end()) return it->second;
  return key.empty() ? "clear" : key;
}

}  // namespace

std::vector<double> AssignDurations(const std::vector<std::optional<double>>& declared,
                                    const std::vector<double>& weights, double total_seconds,
                                    double min_scene_seconds, std::vector<std::string>* warnings) {
  const size_t n = declared.size();
  std::vector<double> result(n, 0);
  if (n == 0) return result;
  const int64_t total = std::max<int64_t>(ToMillis(total_seconds), static_cast<int64_t>(n));
  std::vector<int64_t> declared_ms(n, 0);
  std::vector<size_t> explicit_index;
  std::vector<size_t> implicit_index;
  int64_t declared_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t ms = declared[i] ? ToMillis(*declared[i]) : 0;
    if (ms > 0) {
      declared_ms[i] = ms;
      declared_sum += ms;
      explicit_index.push_back(i);
    } else {
      implicit_index.push_back(i);
    }
  }
  const auto warn = [&](std::string message) {
    if (warnings != nullptr) warnings->push_back(std::move(message));
  };
  std::vector<int64_t> ms(n, 0);
  // Gives every index in `which` 1 ms, then the rest of `budget` in proportion to `w`.
  const auto spread = [&](const std::vector<size_t>& which, int64_t budget,
                          const std::vector<double>& w) {
    const std::vector<int64_t> parts = Apportion(budget - static_cast<int64_t>(which.size()), w);
    for (size_t k = 0; k < which.size(); ++k) ms[which[k]] = 1 + parts[k];
  };
  std::vector<double> explicit_weights;
  for (size_t i : explicit_index) explicit_weights.push_back(static_cast<double>(declared_ms[i]));
  std::vector<double> implicit_weights;
  for (size_t i : implicit_index) implicit_weights.push_back(i < weights.size() ? weights[i] : 1.0);

  if (implicit_index.empty()) {
    if (declared_sum != total) {
      warn(absl::StrCat("the scenes' declared durations add up to ", FormatSeconds(declared_sum),
                        " s but the total is ", FormatSeconds(total), " s; scaled them ",
                        declared_sum > total ? "down" : "up", " to fit"));
    }
    spread(explicit_index, total, explicit_weights);
  } else {
    const int64_t k = static_cast<int64_t>(implicit_index.size());
    const int64_t min_ms = std::max<int64_t>(
        1, std::min<int64_t>(ToMillis(min_scene_seconds), total / static_cast<int64_t>(n)));
    const int64_t floor_ms = k * min_ms;
    if (declared_sum + floor_ms > total) {
      const int64_t budget = total - floor_ms;
      if (!explicit_index.empty()) {
        warn(absl::StrCat("the scenes' declared durations (", FormatSeconds(declared_sum),
                          " s) leave too little of the ", FormatSeconds(total), " s total for the ",
                          k, " scene(s) without one; scaled them down to ", FormatSeconds(budget),
                          " s"));
      }
      spread(explicit_index, budget, explicit_weights);
      for (size_t i : implicit_index) ms[i] = min_ms;
    } else {
      for (size_t i : explicit_index) ms[i] = declared_ms[i];
      const std::vector<int64_t> parts =
          Apportion(total - declared_sum - floor_ms, implicit_weights);
      for (size_t j = 0; j < implicit_index.size(); ++j) ms[implicit_index[j]] = min_ms + parts[j];
    }
  }
  for (size_t i = 0; i < n; ++i) result[i] = static_cast<double>(ms[i]) / 1000.0;
  return result;
}

std::vector<std::string> NormalizeEffect(std::string_view text) {
  static const auto* const kEffects = [] {
    auto* list =
        new std::vector<std::pair<std::string, std::string>>{{"fade to black", "fade_to_black"},
                                                             {"fade to white", "fade_to_white"},
                                                             {"fade in", "fade_in"},
                                                             {"fade up", "fade_in"},
                                                             {"fade out", "fade_out"},
                                                             {"cross dissolve", "dissolve"},
                                                             {"crossfade", "crossfade"},
                                                             {"cross fade", "crossfade"},
                                                             {"dissolve", "dissolve"},
                                                             {"whip pan", "whip_pan"},
                                                             {"zoom in", "zoom_in"},
                                                             {"zoom out", "zoom_out"},
                                                             {"push in", "zoom_in"},
                                                             {"zoom", "zoom"},
                                                             {"ken burns", "ken_burns"},
                                                             {"slow motion", "slow_motion"},
                                                             {"slow mo", "slow_motion"},
                                                             {"slow-mo", "slow_motion"},
                                                             {"split screen", "split_screen"},
                                                             {"split-screen", "split_screen"},
                                                             {"glitch", "glitch"},
                                                             {"blur", "blur"},
                                                             {"shake", "shake"},
                                                             {"flash", "flash"},
                                                             {"light leak", "light_leak"},
                                                             {"wipe", "wipe"},
                                                             {"slide", "slide"},
                                                             {"spin", "spin"},
                                                             {"parallax", "parallax"},
                                                             {"morph", "morph"},
                                                             {"jump cut", "jump_cut"},
                                                             {"match cut", "match_cut"},
                                                             {"smash cut", "smash_cut"},
                                                             {"hard cut", "cut"},
                                                             {"cut to black", "cut_to_black"},
                                                             {"cut", "cut"},
                                                             {"pan", "pan"},
                                                             {"tilt", "tilt"},
                                                             {"dolly", "dolly"},
                                                             {"iris", "iris"},
                                                             {"time lapse", "time_lapse"},
                                                             {"timelapse", "time_lapse"}};
    std::stable_sort(list->begin(), list->end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    return list;
  }();
  std::string lower = Lower(text.substr(0, std::min<size_t>(text.size(), 2000)));
  std::vector<std::pair<size_t, std::string>> found;
  for (const auto& [phrase, id] : *kEffects) {
    size_t pos = 0;
    while ((pos = lower.find(phrase, pos)) != std::string::npos) {
      const size_t end = pos + phrase.size();
      const bool start_ok = pos == 0 || !IsAsciiAlpha(lower[pos - 1]);
      const bool end_ok =
          end >= lower.size() || !IsAsciiAlpha(lower[end]) ||
          (lower[end] == 's' && (end + 1 >= lower.size() || !IsAsciiAlpha(lower[end + 1])));
      if (start_ok && end_ok) {
        found.emplace_back(pos, id);
        std::fill(lower.begin() + static_cast<std::ptrdiff_t>(pos),
                  lower.begin() + static_cast<std::ptrdiff_t>(end), ' ');
      }
      pos = end;
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& [pos, id] : found) AddUnique(out, std::move(id));
  if (out.empty()) {
    std::string slug = Slug(text, 48);
    if (slug.empty()) slug = TruncateUtf8(Trim(text), 48);
    if (!slug.empty()) out.push_back(std::move(slug));
  }
  return out;
}

bool ReadsLikeCallToAction(std::string_view text) {
  static constexpr std::string_view kPhrases[] = {
      "subscribe",  "sign up",     "signup",    "call to action", "cta",         "follow",
      "visit",      "learn more",  "download",  "join",           "get started", "buy",
      "shop",       "order now",   "book a",    "contact us",     "link in bio", "click",
      "register",   "free trial",  "like and",  "share this",     "try it",      "try armature",
      "start your", "start today", "sign-up",   "comment below",  "call us",     "apply now",
      "get yours",  "grab your",   "check out", "head to",        "go to"};
  return ContainsAnyWordNoCase(text.substr(0, 20000), kPhrases);
}

ProductionManifest BuildManifest(const ParsedTreatment& parsed, const NormalizedHints& hints,
                                 const BuildOptions& options, std::vector<std::string>* warnings) {
  ProductionManifest m;
  BuildManifestInto(parsed, hints, options, &m, warnings);
  return m;
}

void BuildManifestInto(const ParsedTreatment& parsed_in, const NormalizedHints& hints,
                       const BuildOptions& options, ProductionManifest* out,
                       std::vector<std::string>* warnings) {
  const auto warn = [&](std::string message) {
    if (warnings != nullptr) warnings->push_back(std::move(message));
  };
  const ParsedTreatment* parsed_ptr = &parsed_in;
  ParsedTreatment with_scene;
  if (parsed_in.scenes.empty()) {
    with_scene = parsed_in;
    with_scene.scenes.emplace_back();
    parsed_ptr = &with_scene;
  }
  const ParsedTreatment& parsed = *parsed_ptr;

  out->Clear();
  ProductionManifest& m = *out;
  m.set_id(ManifestId(parsed, hints, options));
  const double total =
      static_cast<double>(std::max<int64_t>(ToMillis(hints.duration_seconds), 1000)) / 1000.0;
  armature::v1::ManifestMetadata& meta = *m.mutable_metadata();
  meta.set_intent("video");
  meta.set_duration_seconds(total);
  meta.set_aspect_ratio(hints.aspect_ratio);
  meta.set_platform(hints.platform);
  meta.set_language(hints.language);
  meta.set_profile(hints.profile);
  meta.set_tone(hints.tone);
  meta.set_title(!parsed.title.empty() ? parsed.title : hints.title);

  const std::string style = !parsed.style.empty()  ? parsed.style
                            : !hints.style.empty() ? hints.style
                                                   : options.default_style;

  // Timing.
  const size_t n = parsed.scenes.size();
  std::vector<std::optional<double>> declared(n);
  std::vector<double> weights(n);
  for (size_t i = 0; i < n; ++i) {
    declared[i] = parsed.scenes[i].duration_seconds;
    weights[i] = std::max(8, CountWords(parsed.scenes[i].narration));
  }
  const std::vector<double> durations =
      AssignDurations(declared, weights, total, options.min_scene_seconds, warnings);

  int64_t start_ms = 0;
  size_t music_count = 0;
  size_t sfx_count = 0;
  // The cues are built in place, in their order: the whole-production music, the default music
  // bed (only when the treatment names no music at all: the first scene music is never capped),
  // then the scenes' music and sound effects.
  bool any_music = !parsed.music.empty();
  for (const ParsedScene& ps : parsed.scenes) any_music = any_music || !ps.music.empty();
  for (const std::string& music : parsed.music) {
    AudioCue& cue = *m.add_audio_cues();
    cue.set_id(absl::StrFormat("music_%02d", ++music_count));
    cue.set_type("music");
    cue.set_description(music);
    cue.set_start_at_seconds(0);
    cue.set_duration_seconds(total);
  }
  if (!any_music && options.default_music) {
    AudioCue& cue = *m.add_audio_cues();
    cue.set_id("music_01");
    cue.set_type("music");
    cue.set_description(
        absl::StrCat(Trim(hints.tone).empty() ? "neutral" : hints.tone, " background music"));
    cue.set_start_at_seconds(0);
    cue.set_duration_seconds(total);
  }
  bool music_capped = false;
  bool sfx_capped = false;
  for (size_t i = 0; i < n; ++i) {
    const ParsedScene& ps = parsed.scenes[i];
    Scene& scene = *m.add_scenes();
    const std::string id = absl::StrCat("s", i + 1);
    scene.set_id(id);
    scene.set_title(ps.title);
    const int64_t duration_ms = ToMillis(durations[i]);
    scene.set_start_at_seconds(static_cast<double>(start_ms) / 1000.0);
    scene.set_duration_seconds(static_cast<double>(duration_ms) / 1000.0);
    scene.set_explicit_duration(ps.duration_seconds.has_value());
    const bool last = i + 1 == n;
    std::string purpose = "body";
    if (i == 0) {
      purpose = "hook";
    } else if (last) {
      std::string text = absl::StrCat(ps.title, " ", ps.narration);
      for (const std::string& t : ps.on_screen_text) absl::StrAppend(&text, " ", t);
      if (n >= 3 || ReadsLikeCallToAction(text)) purpose = "call_to_action";
    }
    scene.set_purpose(purpose);
    scene.set_narration(ps.narration);
    int image = 0;
    int stock = 0;
    for (const ParsedVisual& v : ps.visuals) {
      armature::v1::Visual& visual = *scene.add_visuals();
      if (v.stock) {
        visual.set_type("stock");
        visual.set_asset_id(absl::StrCat(id, "_stock", ++stock));
        visual.set_prompt(v.description);
      } else {
        visual.set_type("generated");
        visual.set_asset_id(absl::StrCat(id, "_img", ++image));
        visual.set_prompt(absl::StrCat(v.description, ", ", style));
      }
    }
    if (ps.chart && !ps.chart->points.empty()) {
      armature::v1::ChartData& chart = *scene.mutable_chart();
      chart.set_kind(ps.chart->kind.empty() ? "bar" : ps.chart->kind);
      chart.set_title(ps.chart->title);
      chart.set_asset_id(absl::StrCat(id, "_chart"));
      for (const ParsedChartPoint& p : ps.chart->points) {
        armature::v1::ChartPoint& point = *chart.add_points();
        point.set_label(p.label);
        point.set_value(std::isfinite(p.value) ? p.value : 0);
      }
      armature::v1::Visual& visual = *scene.add_visuals();
      visual.set_type("chart");
      visual.set_asset_id(chart.asset_id());
      visual.set_prompt(chart.title().empty()
                            ? absl::StrCat(chart.kind(), " chart")
                            : absl::StrCat(chart.kind(), " chart: ", chart.title()));
    }
    if (scene.visuals_size() == 0) {
      std::string subject = !ps.narration.empty()        ? ps.narration
                            : !ps.title.empty()          ? ps.title
                            : !ps.on_screen_text.empty() ? ps.on_screen_text.front()
                            : !meta.title().empty()      ? meta.title()
                                                         : absl::StrCat("scene ", i + 1);
      armature::v1::Visual& visual = *scene.add_visuals();
      visual.set_type("generated");
      visual.set_asset_id(absl::StrCat(id, "_img1"));
      visual.set_prompt(absl::StrCat("Illustration of: ", TruncateUtf8(subject, 300), ", ", style));
    }
    for (const std::string& text : ps.on_screen_text) scene.add_on_screen_text(text);
    absl::flat_hash_set<std::string> seen_effects;
    for (const std::string& e : ps.effects) {
      for (std::string& effect : NormalizeEffect(e)) {
        if (seen_effects.insert(effect).second) scene.add_effects(std::move(effect));
      }
    }
    if (i == 0) {
      for (const std::string& note : parsed.notes) scene.add_notes(note);
    }
    for (const std::string& note : ps.notes) scene.add_notes(note);

    for (const std::string& music : ps.music) {
      if (music_count >= kMaxMusicCues) {
        scene.add_notes(absl::StrCat("Music: ", music));
        music_capped = true;
        continue;
      }
      AudioCue& cue = *m.add_audio_cues();
      cue.set_id(absl::StrFormat("music_%02d", ++music_count));
      cue.set_type("music");
      cue.set_description(music);
      cue.set_start_at_seconds(scene.start_at_seconds());
      cue.set_duration_seconds(scene.duration_seconds());
      cue.set_scene_id(id);
    }
    for (const std::string& sfx : ps.sfx) {
      if (sfx_count >= kMaxSfxCues) {
        scene.add_notes(absl::StrCat("SFX: ", sfx));
        sfx_capped = true;
        continue;
      }
      AudioCue& cue = *m.add_audio_cues();
      cue.set_id(absl::StrFormat("sfx_%02d", ++sfx_count));
      cue.set_type("sfx");
      cue.set_description(sfx);
      cue.set_start_at_seconds(scene.start_at_seconds());
      cue.set_duration_seconds(std::min(2.0, scene.duration_seconds()));
      cue.set_scene_id(id);
    }
    start_ms += duration_ms;
  }
  if (music_capped)
    warn(
        absl::StrCat("more than ", kMaxMusicCues, " music cues; the rest are kept as scene notes"));
  if (sfx_capped)
    warn(absl::StrCat("more than ", kMaxSfxCues,
                      " sound effects; the rest are kept as scene notes"));

  armature::v1::Voice& voice = *m.mutable_voice();
  voice.set_voice_id(options.voice_id.empty() ? "eva" : options.voice_id);
  voice.set_style(VoiceStyle(hints.tone));
  voice.set_language(hints.language);

  armature::v1::ConsistencyRules& rules = *m.mutable_consistency();
  rules.set_style(style);
  const Recurring recurring = FindRecurring(parsed);
  for (const std::string& c : recurring.characters) rules.add_recurring_characters(c);
  for (const std::string& p : recurring.props) rules.add_recurring_props(p);
  for (const std::string& p : parsed.palette) rules.add_palette(p);
}

}  // namespace armature::manifest
