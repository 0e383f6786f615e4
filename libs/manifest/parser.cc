#include "libs/manifest/parser.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"
#include "libs/manifest/word_table.h"

namespace armature::manifest {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool HasDigit(std::string_view s) { return std::any_of(s.begin(), s.end(), IsDigit); }

// No lowercase ASCII letter and at least two uppercase ones.
bool IsAllCaps(std::string_view s) {
  int upper = 0;
  for (char c : s) {
    if (IsLower(c)) return false;
    if (IsUpper(c)) ++upper;
  }
  return upper >= 2;
}

bool EndsWithSentencePunctuation(std::string_view s) {
  s = Trim(s);
  while (!s.empty() && (s.back() == '"' || s.back() == '\'' || s.back() == ')')) s.remove_suffix(1);
  if (s.size() >= 3 && s.substr(s.size() - 3) == "\xE2\x80\x9D") s.remove_suffix(3);  // ”
  return !s.empty() && (s.back() == '.' || s.back() == '!' || s.back() == '?');
}

size_t MatchColon(std::string_view s, size_t i) {
  const size_t len = ColonLength(s, i);
  // "10:30" inside text is a time, not a separator.
  if (len == 1 && i > 0 && i + 1 < s.size() && IsDigit(s[i - 1]) && IsDigit(s[i + 1])) return 0;
  return len;
}

size_t MatchSpacedDash(std::string_view s, size_t i) {
  if (s[i] != ' ') return 0;
  const size_t dash = DashLength(s, i + 1);
  if (dash == 0 || i + 1 + dash >= s.size() || s[i + 1 + dash] != ' ') return 0;
  return dash + 2;
}

// ---------------------------------------------------------------------------------------------
// Labels

enum class Field {
  kNone,
  kNarration,
  kVisual,
  kStock,
  kOnScreenText,
  kMusic,
  kSfx,
  kChart,
  kDuration,
  kEffect,
  kStyle,
  kPalette,
  kTitle,
  kNote,
  kCharacters,
  kProps,
};

// Lowercase ASCII words separated by single spaces; dots and apostrophes vanish ("V.O." -> "vo"),
// other punctuation separates words ("On-screen" -> "on screen").
std::string NormalizeLabel(std::string_view label) {
  std::string out;
  bool space = false;
  for (char c : label) {
    if (IsAlpha(c) || IsDigit(c)) {
      if (space && !out.empty()) out.push_back(' ');
      space = false;
      out.push_back(IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c);
    } else if (c == '.' || c == '\'' || static_cast<unsigned char>(c) >= 0x80) {
      // Dropped: "V.O." reads "vo"; curly apostrophes and other non-ASCII bytes do not count.
    } else {
      space = true;
    }
  }
  return out;
}

// NormalizeLabel into a fixed buffer, for lookups in the label tables without allocating. A
// label whose normalised form does not fit is longer than every table key (fits() is false).
class NormalizedLabel {
 public:
  explicit NormalizedLabel(std::string_view label) {
    // What NormalizeLabel does with each byte: kSeparator, kDropped, or the (lowercased) byte.
    static constexpr char kSeparator = 0;
    static constexpr char kDropped = 1;
    static constexpr auto kClass = [] {
      std::array<char, 256> table{};
      for (int c = 0; c < 256; ++c) {
        char& entry = table[static_cast<size_t>(c)];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
          entry = static_cast<char>(c);
        } else if (c >= 'A' && c <= 'Z') {
          entry = static_cast<char>(c - 'A' + 'a');
        } else if (c == '.' || c == '\'' || c >= 0x80) {
          entry = kDropped;
        } else {
          entry = kSeparator;
        }
      }
      return table;
    }();
    bool space = false;
    for (const char c : label) {
      const char kind = kClass[static_cast<unsigned char>(c)];
      if (kind == kSeparator) {
        space = true;
      } else if (kind != kDropped) {
        if (space && size_ > 0 && !Push(' ')) return;
        space = false;
        if (!Push(kind)) return;
      }
    }
    fits_ = true;
  }

  // False when the normalised label is longer than the buffer (and so is no table key).
  bool fits() const { return fits_; }
  std::string_view view() const { return std::string_view(buffer_, size_); }

 private:
  bool Push(char c) {
    if (size_ == sizeof(buffer_)) return false;
    buffer_[size_++] = c;
    return true;
  }

  char buffer_[64];
  size_t size_ = 0;
  bool fits_ = false;
};

const WordTable<Field>& LabelTable() {
  static const auto* const kTable = new WordTable<Field>{
      // Narration.
      {"narration", Field::kNarration},
      {"narrator", Field::kNarration},
      {"vo", Field::kNarration},
      {"v o", Field::kNarration},
      {"voiceover", Field::kNarration},
      {"voice over", Field::kNarration},
      {"voice", Field::kNarration},
      {"script", Field::kNarration},
      {"dialogue", Field::kNarration},
      {"dialog", Field::kNarration},
      {"host", Field::kNarration},
      {"presenter", Field::kNarration},
      {"spoken", Field::kNarration},
      {"speaker", Field::kNarration},
      {"narration vo", Field::kNarration},
      {"vo narration", Field::kNarration},
      {"line", Field::kNarration},
      {"lines", Field::kNarration},
      // Generated visuals.
      {"visual", Field::kVisual},
      {"visuals", Field::kVisual},
      {"shot", Field::kVisual},
      {"shots", Field::kVisual},
      {"image", Field::kVisual},
      {"images", Field::kVisual},
      {"imagery", Field::kVisual},
      {"picture", Field::kVisual},
      {"illustration", Field::kVisual},
      {"animation", Field::kVisual},
      {"graphic", Field::kVisual},
      {"graphics", Field::kVisual},
      {"camera", Field::kVisual},
      {"frame", Field::kVisual},
      {"scene visual", Field::kVisual},
      {"opening shot", Field::kVisual},
      {"establishing shot", Field::kVisual},
      {"wide shot", Field::kVisual},
      {"close up", Field::kVisual},
      {"closeup", Field::kVisual},
      {"video", Field::kVisual},
      {"action", Field::kVisual},
      {"background", Field::kVisual},
      {"setting", Field::kVisual},
      {"on screen visual", Field::kVisual},
      // Stock footage.
      {"b roll", Field::kStock},
      {"broll", Field::kStock},
      {"stock", Field::kStock},
      {"stock footage", Field::kStock},
      {"stock video", Field::kStock},
      {"stock image", Field::kStock},
      {"stock photo", Field::kStock},
      {"footage", Field::kStock},
      {"archive footage", Field::kStock},
      // On-screen text.
      {"on screen text", Field::kOnScreenText},
      {"onscreen text", Field::kOnScreenText},
      {"on screen", Field::kOnScreenText},
      {"onscreen", Field::kOnScreenText},
      {"ost", Field::kOnScreenText},
      {"caption", Field::kOnScreenText},
      {"captions", Field::kOnScreenText},
      {"text", Field::kOnScreenText},
      {"text on screen", Field::kOnScreenText},
      {"screen text", Field::kOnScreenText},
      {"title card", Field::kOnScreenText},
      {"super", Field::kOnScreenText},
      {"supers", Field::kOnScreenText},
      {"lower third", Field::kOnScreenText},
      {"text overlay", Field::kOnScreenText},
      {"overlay", Field::kOnScreenText},
      {"subtitle", Field::kOnScreenText},
      {"subtitles", Field::kOnScreenText},
      {"headline", Field::kOnScreenText},
      {"kinetic text", Field::kOnScreenText},
      {"cta text", Field::kOnScreenText},
      // Music.
      {"music", Field::kMusic},
      {"soundtrack", Field::kMusic},
      {"score", Field::kMusic},
      {"bgm", Field::kMusic},
      {"bg music", Field::kMusic},
      {"background music", Field::kMusic},
      {"song", Field::kMusic},
      {"music cue", Field::kMusic},
      {"audio", Field::kMusic},
      {"track", Field::kMusic},
      // Sound effects.
      {"sfx", Field::kSfx},
      {"sound", Field::kSfx},
      {"sounds", Field::kSfx},
      {"sound effect", Field::kSfx},
      {"sound effects", Field::kSfx},
      {"sound fx", Field::kSfx},
      {"foley", Field::kSfx},
      // Charts.
      {"chart", Field::kChart},
      {"charts", Field::kChart},
      {"data", Field::kChart},
      {"graph", Field::kChart},
      {"stats", Field::kChart},
      {"statistics", Field::kChart},
      {"chart data", Field::kChart},
      {"data viz", Field::kChart},
      {"dataviz", Field::kChart},
      {"bar chart", Field::kChart},
      {"line chart", Field::kChart},
      {"pie chart", Field::kChart},
      {"infographic", Field::kChart},
      // Durations.
      {"duration", Field::kDuration},
      {"length", Field::kDuration},
      {"time", Field::kDuration},
      {"runtime", Field::kDuration},
      {"run time", Field::kDuration},
      {"timing", Field::kDuration},
      {"dur", Field::kDuration},
      {"total duration", Field::kDuration},
      {"total length", Field::kDuration},
      // Effects and transitions.
      {"transition", Field::kEffect},
      {"transitions", Field::kEffect},
      {"effect", Field::kEffect},
      {"effects", Field::kEffect},
      {"fx", Field::kEffect},
      {"vfx", Field::kEffect},
      {"motion", Field::kEffect},
      {"edit", Field::kEffect},
      // Treatment-wide settings.
      {"style", Field::kStyle},
      {"visual style", Field::kStyle},
      {"look", Field::kStyle},
      {"look and feel", Field::kStyle},
      {"aesthetic", Field::kStyle},
      {"art style", Field::kStyle},
      {"palette", Field::kPalette},
      {"colors", Field::kPalette},
      {"colours", Field::kPalette},
      {"color palette", Field::kPalette},
      {"colour palette", Field::kPalette},
      {"color scheme", Field::kPalette},
      {"colour scheme", Field::kPalette},
      {"title", Field::kTitle},
      {"video title", Field::kTitle},
      {"working title", Field::kTitle},
      {"characters", Field::kCharacters},
      {"character", Field::kCharacters},
      {"cast", Field::kCharacters},
      {"props", Field::kProps},
      {"prop", Field::kProps},
      // Notes.
      {"note", Field::kNote},
      {"notes", Field::kNote},
      {"comment", Field::kNote},
      {"comments", Field::kNote},
      {"direction", Field::kNote},
      {"directions", Field::kNote},
      {"director note", Field::kNote},
      {"director s note", Field::kNote},
      {"production note", Field::kNote},
      {"production notes", Field::kNote},
      {"nb", Field::kNote},
      {"purpose", Field::kNote},
      {"goal", Field::kNote},
      {"objective", Field::kNote},
      {"tone", Field::kNote},
      {"mood", Field::kNote},
      {"emotion", Field::kNote},
      {"lighting", Field::kNote},
  };
  return *kTable;
}

Field LookupLabel(std::string_view label) {
  const NormalizedLabel key(label);
  if (!key.fits() || key.view().empty()) return Field::kNone;
  const Field* field = LabelTable().Find(key.view());
  return field == nullptr ? Field::kNone : *field;
}

// Markdown sections about the whole production rather than one scene.
const WordSet& MetaSections() {
  static const auto* const kMeta = new WordSet{"overview",
                                               "synopsis",
                                               "logline",
                                               "treatment",
                                               "concept",
                                               "brief",
                                               "creative brief",
                                               "background",
                                               "audience",
                                               "target audience",
                                               "goals",
                                               "objectives",
                                               "key message",
                                               "key messages",
                                               "deliverables",
                                               "specs",
                                               "details",
                                               "metadata",
                                               "info",
                                               "references",
                                               "style guide",
                                               "style notes",
                                               "production details",
                                               "about",
                                               "premise",
                                               "description",
                                               "context notes",
                                               "format",
                                               "requirements",
                                               "assets"};
  return *kMeta;
}

bool IsMetaSection(std::string_view text) {
  std::string_view t = Trim(text);
  while (!t.empty() && (t.back() == ':' || t.back() == '.')) t.remove_suffix(1);
  const NormalizedLabel key(t);
  return key.fits() && MetaSections().Contains(key.view());
}

// Views of the text given to ParseLabel.
struct LabelMatch {
  Field field = Field::kNone;  // kNone: a label-like prefix that is not a known label
  std::string_view label;      // as written, without the parenthetical
  std::string_view paren;      // "(warm)" content, when present
  std::string_view value;
};

// Splits "Label (paren)" into label and paren content (views of `raw`).
void SplitParen(std::string_view raw, std::string_view* label, std::string_view* paren) {
  raw = Trim(raw);
  const size_t open = raw.find('(');
  if (open != kNpos && raw.back() == ')' && open > 0) {
    *label = Trim(raw.substr(0, open));
    *paren = Trim(raw.substr(open + 1, raw.size() - open - 2));
  } else {
    *label = raw;
    *paren = std::string_view();
  }
}

bool LabelChar(char c) {
  static constexpr auto kLabelChars = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c) {
      table[static_cast<size_t>(c)] =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    }
    for (const char c : {' ', '-', '/', '.', '\'', '&', '(', ')', '+', '_'}) {
      table[static_cast<unsigned char>(c)] = true;
    }
    return table;
  }();
  return kLabelChars[static_cast<unsigned char>(c)];
}

// Recognises "Label: value", "Label (paren): value", "Label — value" (known labels only) and a
// known label alone ("Visuals", "Narration:").
std::optional<LabelMatch> ParseLabel(std::string_view text) {
  text = Trim(text);
  if (text.empty() || !IsAlpha(text[0])) return std::nullopt;
  constexpr size_t kMaxLabelBytes = 48;
  const size_t limit = std::min(text.size(), kMaxLabelBytes);
  // "Label: value". An unknown label only counts when no known "Label - value" reading exists.
  std::optional<LabelMatch> unknown;
  for (size_t i = 1; i < limit; ++i) {
    const size_t colon = ColonLength(text, i);
    if (colon > 0) {
      const std::string_view rest = Trim(text.substr(i + colon));
      if (rest.substr(0, 2) == "//") break;  // a URL, not a label
      LabelMatch m;
      SplitParen(text.substr(0, i), &m.label, &m.paren);
      if (m.label.empty()) break;
      m.value = rest;
      m.field = LookupLabel(m.label);
      if (m.field != Field::kNone) return m;
      const int words = CountWords(m.label);
      // Only prefixes that look like a label ("Emotion:", "LIGHTING:") count as unknown
      // labels; "Here's the thing: ..." is prose.
      if (words <= 3 && (words == 1 || IsAllCaps(m.label)) &&
          !(HasDigit(m.label) && !IsAllCaps(m.label))) {
        unknown = std::move(m);
      }
      break;
    }
    if (!LabelChar(text[i])) break;
  }
  // "Label — value" and "Label - value", known labels only.
  for (size_t i = 1; i < limit; ++i) {
    if (text[i] != ' ') {
      if (!LabelChar(text[i]) && DashLength(text, i) == 0) break;
      continue;
    }
    const size_t dash = DashLength(text, i + 1);
    if (dash > 0 && i + 1 + dash < text.size() && text[i + 1 + dash] == ' ') {
      LabelMatch m;
      SplitParen(text.substr(0, i), &m.label, &m.paren);
      m.field = LookupLabel(m.label);
      if (m.field == Field::kNone) break;
      m.value = Trim(text.substr(i + 1 + dash));
      return m;
    }
  }
  if (unknown) return unknown;
  // A label alone.
  if (text.size() <= 40) {
    LabelMatch m;
    SplitParen(text, &m.label, &m.paren);
    m.field = LookupLabel(m.label);
    if (m.field != Field::kNone) return m;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Durations

struct TimeValue {
  double seconds = 0;
  bool colon = false;           // written as a timecode
  bool unit = false;            // some number carried a unit
  double first_multiplier = 0;  // unit of the first number
};

std::optional<double> ParsePlainNumber(std::string_view s) {
  if (s.empty() || s.size() > 24) return std::nullopt;
  // Up to 15 digits: an integer strtod reads exactly.
  if (s.size() <= 15 && std::all_of(s.begin(), s.end(), IsDigit)) {
    double v = 0;
    for (const char c : s) v = v * 10 + (c - '0');
    return v;
  }
  std::string copy(s);
  for (char& c : copy) {
    if (c == ',') c = '.';
  }
  if (!IsDigit(copy[0]) && copy[0] != '.') return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

double UnitMultiplier(std::string_view unit) {
  static const auto* const kUnits = new WordTable<double>{
      {"s", 1},        {"sec", 1},   {"secs", 1},   {"second", 1},   {"seconds", 1},  {"\"", 1},
      {"m", 60},       {"min", 60},  {"mins", 60},  {"minute", 60},  {"minutes", 60}, {"'", 60},
      {"h", 3600},     {"hr", 3600}, {"hrs", 3600}, {"hour", 3600},  {"hours", 3600}, {"ms", 0.001},
      {"msec", 0.001}, {"sek", 1},   {"seg", 1},    {"segundos", 1}, {"sekunden", 1}};
  const double* multiplier = kUnits->FindLower(unit);
  return multiplier == nullptr ? 0 : *multiplier;
}

// Reads "[h:]m:ss[.f]" or "<number><unit>..." covering all of `s`. A number without a unit
// takes `bare_multiplier` (0: not allowed), or the next smaller unit after a larger one.
std::optional<TimeValue> ParseTimeValue(std::string_view s, double bare_multiplier) {
  s = Trim(s);
  if (s.empty() || s.size() > 40) return std::nullopt;
  TimeValue out;
  if (s.find(':') != kNpos) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
      const size_t colon = s.find(':', start);
      parts.push_back(s.substr(start, colon == kNpos ? kNpos : colon - start));
      if (colon == kNpos) break;
      start = colon + 1;
    }
    if (parts.size() > 3) return std::nullopt;
    double total = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const std::string_view p = parts[i];
      if (p.empty() || p.size() > 12) return std::nullopt;
      const bool last = i + 1 == parts.size();
      for (char c : p) {
        if (!IsDigit(c) && !(last && c == '.')) return std::nullopt;
      }
      const std::optional<double> v = ParsePlainNumber(p);
      if (!v) return std::nullopt;
      if (i > 0 && *v >= 60) return std::nullopt;
      total = total * 60 + *v;
    }
    out.seconds = total;
    out.colon = true;
    return out;
  }
  double total = 0;
  bool any = false;
  double previous = 0;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsBlank(s[i])) ++i;
    if (i == s.size()) break;
    const size_t number_start = i;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == '.' || s[i] == ',')) ++i;
    if (i == number_start) return std::nullopt;
    const std::optional<double> v = ParsePlainNumber(s.substr(number_start, i - number_start));
    if (!v) return std::nullopt;
    while (i < s.size() && IsBlank(s[i])) ++i;
    const size_t unit_start = i;
    while (i < s.size() && (IsAlpha(s[i]) || s[i] == '"' || s[i] == '\'')) ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (i < s.size() && s[i] == '.') ++i;  // "sec."
    double multiplier = 0;
    if (unit.empty()) {
      multiplier = previous == 3600 ? 60 : previous == 60 ? 1 : bare_multiplier;
    } else {
      multiplier = UnitMultiplier(unit);
      out.unit = true;
    }
    if (multiplier == 0) return std::nullopt;
    if (!any) out.first_multiplier = multiplier;
    previous = multiplier;
    total += *v * multiplier;
    any = true;
  }
  if (!any) return std::nullopt;
  out.seconds = total;
  return out;
}

enum class RangeMode {
  kAuto,  // "5-7 seconds" is an estimate (midpoint); "0-5s" and timecodes are spans
  kSpan,  // every range is a span (headings: "(10-25s)" is 15 s)
};

std::string_view StripApproximation(std::string_view s) {
  s = Trim(s);
  static constexpr std::string_view kPrefixes[] = {"approximately",
                                                   "approx.",
                                                   "approx",
                                                   "about",
                                                   "around",
                                                   "roughly",
                                                   "circa",
                                                   "ca.",
                                                   "~",
                                                   "\xE2\x89\x88" /* ≈ */,
                                                   "<",
                                                   ">",
                                                   "max",
                                                   "up to"};
  bool again = true;
  while (again) {
    again = false;
    for (std::string_view p : kPrefixes) {
      if (StartsWithNoCase(s, p)) {
        s = Trim(s.substr(p.size()));
        again = true;
      }
    }
  }
  while (!s.empty() && (s.back() == '.' || s.back() == ',' || s.back() == ';' || s.back() == ')')) {
    if (s.back() == '.' && s.size() >= 2 && IsAlpha(s[s.size() - 2])) {
      s.remove_suffix(1);  // "5 sec."
      continue;
    }
    if (s.back() == ')') break;
    s.remove_suffix(1);
  }
  return Trim(s);
}

std::optional<double> ParseDurationImpl(std::string_view text, RangeMode mode, bool allow_bare) {
  std::string_view s = StripApproximation(text);
  if (s.empty() || s.size() > 48) return std::nullopt;
  double value = 0;
  // A range: "A-B", "A – B", "A to B".
  size_t sep = kNpos;
  size_t sep_len = 0;
  for (size_t i = 1; i < s.size(); ++i) {
    const size_t dash = DashLength(s, i);
    if (dash > 0) {
      sep = i;
      sep_len = dash;
      break;
    }
    if (s[i] == ' ' && StartsWithNoCase(s.substr(i), " to ")) {
      sep = i;
      sep_len = 4;
      break;
    }
  }
  if (sep != kNpos) {
    const std::optional<TimeValue> right =
        ParseTimeValue(s.substr(sep + sep_len), allow_bare ? 1 : 0);
    if (!right) return std::nullopt;
    const double left_bare = right->colon  ? 0
                             : right->unit ? right->first_multiplier
                                           : (allow_bare ? 1 : 0);
    const std::optional<TimeValue> left = ParseTimeValue(s.substr(0, sep), left_bare);
    if (!left) return std::nullopt;
    const double a = left->seconds;
    const double b = right->seconds;
    if (!(b > a)) return std::nullopt;
    const bool span =
        mode == RangeMode::kSpan || left->colon || right->colon || a == 0 || b - a >= a;
    value = span ? b - a : (a + b) / 2;
  } else {
    const std::optional<TimeValue> v = ParseTimeValue(s, allow_bare ? 1 : 0);
    if (!v) return std::nullopt;
    value = v->seconds;
  }
  if (!std::isfinite(value) || value <= 0) return std::nullopt;
  return value;
}

// Removes a duration from a heading title: "(5s)", "[0:00-0:05]", "- 10 sec", or the whole text.
std::optional<double> ExtractDuration(std::string& text) {
  constexpr size_t kMaxGroup = 40;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '(' && text[i] != '[') continue;
    const char close = text[i] == '(' ? ')' : ']';
    const size_t end = text.find(close, i + 1);
    if (end == std::string::npos || end - i > kMaxGroup) continue;
    const std::optional<double> d = ParseDurationImpl(
        std::string_view(text).substr(i + 1, end - i - 1), RangeMode::kSpan, false);
    if (d) {
      size_t from = i;
      while (from > 0 && IsBlank(text[from - 1])) --from;
      text.erase(from, end + 1 - from);
      text = std::string(Trim(text));
      return d;
    }
  }
  if (const std::optional<double> d = ParseDurationImpl(text, RangeMode::kSpan, false)) {
    text.clear();
    return d;
  }
  // Trailing "... - 10 sec", "..., 5s", "... | 5s".
  const std::string_view view(text);
  size_t cut = kNpos;
  size_t tail = kNpos;
  for (size_t i = 0; i < view.size(); ++i) {
    if (view[i] == ',' || view[i] == '|') {
      cut = i;
      tail = i + 1;
    } else if (view[i] == ' ') {
      const size_t dash = DashLength(view, i + 1);
      if (dash > 0 && i + 1 + dash < view.size() && view[i + 1 + dash] == ' ') {
        cut = i;
        tail = i + 1 + dash;
      }
    }
  }
  if (cut != kNpos && view.size() - tail <= 48) {
    if (const std::optional<double> d =
            ParseDurationImpl(view.substr(tail), RangeMode::kSpan, false)) {
      text = std::string(Trim(view.substr(0, cut)));
      return d;
    }
  }
  return std::nullopt;
}

// Removes a bracketed duration at the very start or end of `text`.
std::optional<double> ExtractEdgeDuration(std::string& text) {
  std::string_view t = Trim(text);
  if (t.empty()) return std::nullopt;
  if (t.front() == '(' || t.front() == '[') {
    const size_t end = t.find(t.front() == '(' ? ')' : ']');
    if (end != kNpos && end <= 40) {
      if (auto d = ParseDurationImpl(t.substr(1, end - 1), RangeMode::kSpan, false)) {
        text = std::string(Trim(t.substr(end + 1)));
        return d;
      }
    }
  }
  if (t.back() == ')' || t.back() == ']') {
    const size_t open = t.rfind(t.back() == ')' ? '(' : '[');
    if (open != kNpos && t.size() - open <= 40) {
      if (auto d =
              ParseDurationImpl(t.substr(open + 1, t.size() - open - 2), RangeMode::kSpan, false)) {
        text = std::string(Trim(t.substr(0, open)));
        return d;
      }
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Charts

std::optional<double> ParseChartNumber(std::string_view token) {
  std::string_view t = Trim(token);
  while (!t.empty() && (t.back() == '.' || t.back() == ')' || t.back() == ';')) t.remove_suffix(1);
  bool negative = false;
  if (!t.empty() && (t.front() == '-' || t.front() == '+')) {
    negative = t.front() == '-';
    t.remove_prefix(1);
  }
  static constexpr std::string_view kCurrencies[] = {"$", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5"};
  for (std::string_view c : kCurrencies) {
    if (t.substr(0, c.size()) == c) t.remove_prefix(c.size());
  }
  double multiplier = 1;
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  if (t.size() >= 2 && EqualsNoCase(t.substr(t.size() - 2), "bn")) {
    multiplier = 1e9;
    t.remove_suffix(2);
  } else if (!t.empty()) {
    switch (t.back()) {
      case 'k':
      case 'K':
        multiplier = 1e3;
        t.remove_suffix(1);
        break;
      case 'm':
      case 'M':
        multiplier = 1e6;
        t.remove_suffix(1);
        break;
      case 'b':
      case 'B':
        multiplier = 1e9;
        t.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  if (t.empty() || t.size() > 24) return std::nullopt;
  std::string digits;
  for (char c : t) {
    if (c == ',') continue;  // thousands separator
    if (!IsDigit(c) && c != '.') return std::nullopt;
    digits.push_back(c);
  }
  if (digits.empty() || digits == ".") return std::nullopt;
  double v = 0;
  if (digits.size() <= 15 && digits.find('.') == std::string::npos) {
    // Up to 15 digits: an integer strtod reads exactly.
    for (const char c : digits) v = v * 10 + (c - '0');
  } else {
    char* end = nullptr;
    v = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size()) return std::nullopt;
  }
  if (!std::isfinite(v)) return std::nullopt;
  const double value = (negative ? -v : v) * multiplier;
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// The chart kind a text names ("line chart", "pie" ...), nullopt when it names none.
std::optional<std::string> DetectChartKind(std::string_view text) {
  const std::string_view t = text.substr(0, 2000);
  // Found in one pass; the first kind in this order wins.
  static constexpr std::string_view kWords[] = {
      "line chart", "line graph", "trend line",     // 0-2: line
      "pie",                                        // 3: pie
      "donut",      "doughnut",                     // 4-5: donut
      "area chart",                                 // 6: area
      "scatter",                                    // 7: scatter
      "bar",        "bars",       "column chart"};  // 8-10: bar
  const uint64_t found = FindWordsNoCase(t, kWords);
  if (EqualsNoCase(t, "line") || (found & 0b111)) return "line";
  if (found & (1u << 3)) return "pie";
  if (found & (0b11u << 4)) return "donut";
  if (EqualsNoCase(t, "area") || (found & (1u << 6))) return "area";
  if (found & (1u << 7)) return "scatter";
  if (found & (0b111u << 8)) return "bar";
  return std::nullopt;
}

constexpr size_t kMaxChartPoints = 50;

// "1,200": a digit before the comma and exactly three digits after it.
bool IsThousandsComma(std::string_view s, size_t i) {
  if (i == 0 || !IsDigit(s[i - 1]) || i + 3 >= s.size()) return false;
  if (!IsDigit(s[i + 1]) || !IsDigit(s[i + 2]) || !IsDigit(s[i + 3])) return false;
  return i + 4 >= s.size() || !IsDigit(s[i + 4]);
}

struct ChartReading {
  std::vector<ParsedChartPoint> points;
  size_t failed = 0;
  size_t unlabelled = 0;  // bare numbers, labelled by position

  int Score() const {
    return static_cast<int>(2 * points.size()) - static_cast<int>(2 * failed) -
           static_cast<int>(unlabelled);
  }
};

// "Sales —" -> "Sales".
std::string TrimChartTitle(std::string_view s) {
  s = Trim(s);
  while (!s.empty()) {
    if (s.back() == ':' || s.back() == '-' || s.back() == '=' || s.back() == ',' ||
        s.back() == ' ') {
      s.remove_suffix(1);
    } else if (s.size() >= 3 && DashLength(s, s.size() - 3) == 3) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  return std::string(s);
}

// Reads "label value" pieces separated by ';' or ','.
ChartReading ReadChartPoints(std::string_view body) {
  ChartReading out;
  std::vector<std::string_view> pieces;
  size_t start = 0;
  for (size_t i = 0; i <= body.size(); ++i) {
    const bool split =
        i == body.size() || body[i] == ';' || (body[i] == ',' && !IsThousandsComma(body, i));
    if (!split) continue;
    pieces.push_back(body.substr(start, i - start));
    start = i + 1;
    if (pieces.size() > kMaxChartPoints * 2) break;
  }
  for (std::string_view raw : pieces) {
    std::string_view p = Trim(raw);
    while (!p.empty() && p.back() == '.') p.remove_suffix(1);
    if (p.empty()) continue;
    std::string_view label;
    std::optional<double> value;
    const size_t sep = p.find_last_of("=:");
    if (sep != kNpos) {
      label = Trim(p.substr(0, sep));
      value = ParseChartNumber(p.substr(sep + 1));
    } else {
      const std::vector<std::string_view> words = SplitWords(p);
      if (words.size() == 1) {
        value = ParseChartNumber(words[0]);
        if (value) {
          out.points.push_back({std::to_string(out.points.size() + 1), *value});
          ++out.unlabelled;
        } else {
          ++out.failed;
        }
        continue;
      }
      value = ParseChartNumber(words.back());
      label = Trim(p.substr(0, static_cast<size_t>(words.back().data() - p.data())));
      while (!label.empty() && (label.back() == '-' || label.back() == '='))
        label = Trim(label.substr(0, label.size() - 1));
      if (label.size() >= 3 && DashLength(label, label.size() - 3) == 3)
        label = Trim(label.substr(0, label.size() - 3));
    }
    if (value && !label.empty() && CountWords(label) <= 4 && label.size() <= 64) {
      out.points.push_back({std::string(label), *value});
    } else {
      ++out.failed;
    }
    if (out.points.size() >= kMaxChartPoints) break;
  }
  return out;
}

}  // namespace

std::optional<ParsedChart> ParseChartText(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return std::nullopt;
  ChartReading best = ReadChartPoints(s);
  std::string title;
  // "Sales: Jan 10; Feb 12", "Hours lost — Q1: 10, Q2: 14": a title before the first colon or
  // spaced dash, when reading the rest gives more points.
  const size_t colon = s.find(':');
  size_t dash = kNpos;
  size_t dash_len = 0;
  for (size_t i = 0; i + 2 < s.size() && i < 200; ++i) {
    const size_t len = MatchSpacedDash(s, i);
    if (len > 0) {
      dash = i;
      dash_len = len;
      break;
    }
  }
  const std::pair<size_t, size_t> splits[] = {{colon, 1}, {dash, dash_len}};
  for (const auto& [pos, len] : splits) {
    if (pos == kNpos || pos == 0) continue;
    const std::string_view head = Trim(s.substr(0, pos));
    if (head.empty() || HasDigit(head) || CountWords(head) > 8) continue;
    ChartReading split = ReadChartPoints(s.substr(pos + len));
    if (!split.points.empty() && split.Score() >= best.Score()) {
      best = std::move(split);
      title = TrimChartTitle(head);
    }
  }
  if (best.points.empty() || best.failed > best.points.size()) return std::nullopt;
  ParsedChart chart;
  chart.kind = DetectChartKind(s).value_or("bar");
  chart.title = std::move(title);
  chart.points = std::move(best.points);
  // "Revenue 2021=3, 2022=5": the first label carries the title.
  if (chart.title.empty() && chart.points.size() >= 2) {
    const std::vector<std::string_view> first = SplitWords(chart.points[0].label);
    bool others_single = true;
    for (size_t i = 1; i < chart.points.size(); ++i) {
      others_single = others_single && CountWords(chart.points[i].label) == 1;
    }
    if (first.size() >= 2 && others_single) {
      const std::string whole = chart.points[0].label;
      const std::string_view view(whole);
      const size_t cut = static_cast<size_t>(SplitWords(view).back().data() - view.data());
      chart.title = TrimChartTitle(view.substr(0, cut));
      chart.points[0].label = std::string(Trim(view.substr(cut)));
    }
  }
  return chart;
}

std::optional<double> ParseDurationText(std::string_view text) {
  return ParseDurationImpl(text, RangeMode::kAuto, true);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Lines

struct Line {
  std::string_view raw;   // trimmed original line
  std::string_view text;  // without heading marks, quote marks, bullets, numbers and bold
  int md_level = 0;       // 1-6 for "#" headings
  bool bullet = false;    // "- item", "* item", "• item"
  int number = 0;         // > 0 for "1." / "1)" list items
  bool bold_wrapped = false;
  bool blank = false;
  bool rule = false;   // "---", "***", "===", table separator rows
  bool table = false;  // "| a | b |"
};

bool IsRuleLine(std::string_view t) {
  int marks = 0;
  for (char c : t) {
    switch (c) {
      case '-':
      case '=':
      case '*':
      case '_':
      case '~':
      case '#':
      case '|':
      case ':':
      case '+':
      case '.':
      case ' ':
        if (c != ' ') ++marks;
        break;
      default:
        return false;
    }
  }
  return marks > 0;
}

// `t` without emphasis marks; nullopt when the result is Trim(t) because `t` has no '*' or '_'.
std::optional<std::string> RemoveEmphasisMarks(std::string_view t) {
  size_t pos = FindEither(t, 0, '*', '_');
  // Without '*' and '_' nothing below applies.
  if (pos == kNpos) return std::nullopt;
  // Drop every "**" and "__" (scanning left to right: "***" keeps its last '*').
  std::string out;
  out.reserve(t.size());
  size_t copied = 0;
  while (pos != kNpos && pos + 1 < t.size()) {
    if (t[pos + 1] == t[pos]) {
      out.append(t.data() + copied, pos - copied);
      copied = pos + 2;
    }
    pos = FindEither(t, copied > pos ? copied : pos + 1, '*', '_');
  }
  out.append(t.data() + copied, t.size() - copied);
  // An italic label at the start: "*VO:* text", "_Visual_: text".
  for (const char mark : {'*', '_'}) {
    if (out.size() < 3 || out[0] != mark) continue;
    const size_t close = out.find(mark, 1);
    if (close == std::string::npos || close > 50) continue;
    const bool label_like = out[close - 1] == ':' || close + 1 == out.size() ||
                            out[close + 1] == ':' || out[close + 1] == ' ';
    if (label_like && close > 1) {
      out.erase(close, 1);
      out.erase(0, 1);
    }
  }
  std::string_view v = Trim(out);
  // A single-marker italic wrap: "*Narration: ...*".
  if (v.size() >= 3 &&
      ((v.front() == '*' && v.back() == '*') || (v.front() == '_' && v.back() == '_'))) {
    v = Trim(v.substr(1, v.size() - 2));
  }
  if (v.size() == out.size()) return out;
  return std::string(v);
}

std::string RemoveEmphasis(std::string_view t) {
  std::optional<std::string> removed = RemoveEmphasisMarks(t);
  return removed ? *std::move(removed) : std::string(Trim(t));
}

// `storage` keeps the texts that differ from the raw line (a deque: they never move).
Line PreprocessLine(std::string_view raw_line, std::deque<std::string>& storage) {
  Line line;
  line.raw = Trim(raw_line);
  std::string_view t = line.raw;
  if (t.empty()) {
    line.blank = true;
    return line;
  }
  if (t.front() == '|' && std::count(t.begin(), t.end(), '|') >= 2) {
    if (IsRuleLine(t)) {
      line.rule = true;
    } else {
      line.table = true;
      line.text = t;
    }
    return line;
  }
  if (IsRuleLine(t) && t.size() >= 1 && t.find_first_not_of("# ") != kNpos) {
    line.rule = true;
    return line;
  }
  // Markdown heading.
  size_t hashes = 0;
  while (hashes < t.size() && t[hashes] == '#') ++hashes;
  if (hashes >= 1 && hashes <= 6 && (hashes == t.size() || t[hashes] == ' ')) {
    line.md_level = static_cast<int>(hashes);
    t = Trim(t.substr(hashes));
    while (!t.empty() && t.back() == '#') t.remove_suffix(1);
    t = Trim(t);
  }
  // Blockquote.
  while (!t.empty() && t.front() == '>') t = Trim(t.substr(1));
  // Bullet.
  static constexpr std::string_view kBullets[] = {"- ",
                                                  "* ",
                                                  "+ ",
                                                  "\xE2\x80\xA2 " /* • */,
                                                  "\xC2\xB7 " /* · */,
                                                  "\xE2\x80\x93 " /* – */,
                                                  "\xE2\x80\x94 " /* — */,
                                                  "\xE2\x96\xAA " /* ▪ */};
  const bool bullet_start =
      !t.empty() && (t[0] == '-' || t[0] == '*' || t[0] == '+' || t[0] == '\xE2' || t[0] == '\xC2');
  for (std::string_view b : kBullets) {
    if (!bullet_start) break;
    if (t.substr(0, b.size()) == b) {
      line.bullet = true;
      t = Trim(t.substr(b.size()));
      break;
    }
  }
  if (line.bullet &&
      (t.substr(0, 4) == "[ ] " || t.substr(0, 4) == "[x] " || t.substr(0, 4) == "[X] ")) {
    t = Trim(t.substr(4));
  }
  // Numbered item: "1." "12)" "(3)".
  {
    size_t i = 0;
    const bool paren = !t.empty() && t[0] == '(';
    if (paren) ++i;
    const size_t digits_start = i;
    while (i < t.size() && IsDigit(t[i]) && i - digits_start < 4) ++i;
    const size_t digits = i - digits_start;
    if (digits >= 1 && digits <= 3 && i < t.size() &&
        ((paren && t[i] == ')') || (!paren && (t[i] == '.' || t[i] == ')'))) &&
        (i + 1 == t.size() || t[i + 1] == ' ')) {
      line.number = std::atoi(std::string(t.substr(digits_start, digits)).c_str());
      t = Trim(t.substr(i + 1));
    }
  }
  // Bold wrap: "**Scene 3**", "__Hook__", "**Scene 3**:".
  if (t.size() > 4 && (t[0] == '*' || t[0] == '_') && t[1] == t[0]) {
    std::string_view inner = t;
    if (inner.back() == ':') inner.remove_suffix(1);
    const std::string_view mark = t.substr(0, 2);
    if (inner.size() > 4 && inner.substr(inner.size() - 2) == mark &&
        inner.substr(2, inner.size() - 4).find(mark) == kNpos) {
      line.bold_wrapped = true;
    }
  }
  if (std::optional<std::string> removed = RemoveEmphasisMarks(t)) {
    line.text = storage.emplace_back(*std::move(removed));
  } else {
    line.text = Trim(t);
  }
  if (line.text.empty() && line.md_level == 0 && !line.bullet && line.number == 0) line.rule = true;
  return line;
}

// ---------------------------------------------------------------------------------------------
// Headings

enum class Tier { kNone, kA, kB, kC };

struct Heading {
  Tier tier = Tier::kNone;
  bool screenplay = false;
  bool section = false;  // "Hook:", "CTA —"
  std::string title;
  std::string content;  // text after the title, processed as a line of the scene
  std::optional<double> duration;
  std::optional<double> start;
};

// Position and length of the first separator outside brackets for which `match` returns a length.
template <typename Match>
std::pair<size_t, size_t> FindTopLevel(std::string_view s, Match match) {
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[') {
      ++depth;
    } else if ((c == ')' || c == ']') && depth > 0) {
      --depth;
    } else if (depth == 0) {
      const size_t len = match(s, i);
      if (len > 0) return {i, len};
    }
  }
  return {kNpos, 0};
}

std::string_view SkipLeadingSeparators(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ' || s[i] == '.' || s[i] == ')' || s[i] == ']' || s[i] == '|' || s[i] == ',') {
      ++i;
    } else if (const size_t c = ColonLength(s, i)) {
      i += c;
    } else if (const size_t d = DashLength(s, i)) {
      i += d;
    } else {
      break;
    }
  }
  return s.substr(i);
}

std::string CleanTitle(std::string_view s) {
  s = Trim(s);
  while (!s.empty()) {
    const char c = s.back();
    if (c == ':' || c == '|' || c == ',' || c == ' ' || c == '-') {
      s.remove_suffix(1);
    } else if (s.size() >= 3 &&
               (DashLength(s, s.size() - 3) == 3 || ColonLength(s, s.size() - 3) == 3)) {
      s.remove_suffix(3);
    } else {
      break;
    }
  }
  s = SkipLeadingSeparators(s);
  return std::string(StripQuotes(s));
}

// Splits the text after a heading marker into a title and content: "Hook: Did you know ..."
// gives title "Hook" and content "Did you know ...".
void SplitTitleContent(std::string_view rest_in, bool allow_content, Heading& h) {
  std::string whole(Trim(SkipLeadingSeparators(Trim(rest_in))));
  // A duration anywhere in a short heading: "Hook (5s): ...", "How it works - 15s".
  if (whole.size() <= 400) h.duration = ExtractDuration(whole);
  whole = std::string(Trim(SkipLeadingSeparators(whole)));
  const std::string_view rest(whole);
  std::string title(rest);
  std::string content;
  if (allow_content) {
    const auto [colon, colon_len] = FindTopLevel(rest, MatchColon);
    const auto [dash, dash_len] = FindTopLevel(rest, MatchSpacedDash);
    if (colon != kNpos && colon > 0 && CountWords(rest.substr(0, colon)) <= 8) {
      if (LookupLabel(Trim(rest.substr(0, colon))) != Field::kNone) {
        title.clear();
        content = std::string(rest);
      } else {
        title = std::string(rest.substr(0, colon));
        content = std::string(Trim(rest.substr(colon + colon_len)));
      }
    } else if (dash != kNpos && dash > 0 && CountWords(rest.substr(0, dash)) <= 6) {
      title = std::string(rest.substr(0, dash));
      content = std::string(Trim(rest.substr(dash + dash_len)));
    } else {
      const int words = CountWords(rest);
      if (words > 8 || (words > 3 && EndsWithSentencePunctuation(rest))) {
        title.clear();
        content = std::string(rest);
      }
    }
  }
  if (!h.duration && !content.empty()) h.duration = ExtractEdgeDuration(content);
  if (Trim(title).empty() && !content.empty() && CountWords(content) <= 6 &&
      !EndsWithSentencePunctuation(content) && LookupLabel(content) == Field::kNone &&
      !ParseLabel(content)) {
    title = std::move(content);
    content.clear();
  }
  h.title = CleanTitle(title);
  h.content = std::string(Trim(content));
}

bool MatchScreenplay(std::string_view t) {
  static constexpr std::string_view kDotted[] = {"int./ext.", "ext./int.", "int/ext.", "i/e.",
                                                 "int.",      "ext.",      "est."};
  // Every prefix starts with an 'i' or an 'e'.
  if (t.empty() || (LowerAscii(t[0]) != 'i' && LowerAscii(t[0]) != 'e')) return false;
  for (std::string_view p : kDotted) {
    if (StartsWithNoCase(t, p)) return Trim(t.substr(p.size())).size() >= 2;
  }
  static constexpr std::string_view kUpper[] = {"INT/EXT ", "EXT/INT ", "INT ", "EXT ", "I/E "};
  for (std::string_view p : kUpper) {
    if (t.substr(0, p.size()) == p) return Trim(t.substr(p.size())).size() >= 2 && IsAllCaps(t);
  }
  return false;
}

std::optional<std::string> ReadNumberToken(std::string_view t, size_t& i) {
  static constexpr std::string_view kWords[] = {
      "one",     "two",     "three",     "four",     "five",     "six",      "seven",
      "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen", "fourteen",
      "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  const size_t start = i;
  while (i < t.size() && IsDigit(t[i]) && i - start < 4) ++i;
  if (i > start) {
    if (i < t.size() && IsDigit(t[i])) return std::nullopt;
    if (i < t.size() && IsAlpha(t[i]) && (i + 1 == t.size() || !IsAlpha(t[i + 1]))) ++i;  // "1a"
    return std::string(t.substr(start, i - start));
  }
  const char first = i < t.size() ? LowerAscii(t[i]) : '\0';
  for (std::string_view w : kWords) {
    if (w[0] == first && StartsWithNoCase(t.substr(i), w) &&
        (i + w.size() == t.size() || !IsAlpha(t[i + w.size()]))) {
      i += w.size();
      return std::string(t.substr(start, w.size()));
    }
  }
  // Roman numerals up to a few letters: "Part II".
  size_t j = i;
  while (j < t.size() && j - i < 5 && (t[j] == 'I' || t[j] == 'V' || t[j] == 'X')) ++j;
  if (j > i && (j == t.size() || !IsAlpha(t[j]))) {
    const std::string_view roman = t.substr(i, j - i);
    i = j;
    return std::string(roman);
  }
  return std::nullopt;
}

// "Scene 1 — Hook", "SCENE TWO:", "Segment 3 (10s)", "Sc. 4", "Slide 2 | Title".
std::optional<Heading> MatchKeyword(std::string_view t) {
  static constexpr std::string_view kKeywords[] = {
      "scene", "segment", "chapter", "section", "slide", "part", "beat", "clip", "sc"};
  if (t.empty()) return std::nullopt;
  const char first = LowerAscii(t[0]);
  for (std::string_view kw : kKeywords) {
    if (kw[0] != first || !StartsWithNoCase(t, kw)) continue;
    size_t i = kw.size();
    if (i < t.size() && IsAlpha(t[i])) continue;
    if (kw == "sc" && (i >= t.size() || t[i] != '.')) continue;
    if (i < t.size() && t[i] == '.') ++i;
    while (i < t.size() && IsBlank(t[i])) ++i;
    if (i < t.size() && t[i] == '#') ++i;
    while (i < t.size() && IsBlank(t[i])) ++i;
    const std::optional<std::string> number = ReadNumberToken(t, i);
    if (!number) continue;
    const std::string label(Trim(t.substr(0, i)));
    size_t j = i;
    while (j < t.size() && IsBlank(t[j])) ++j;
    std::string_view rest = t.substr(j);
    if (!rest.empty()) {
      const char c = rest[0];
      const bool separator = ColonLength(rest, 0) > 0 || DashLength(rest, 0) > 0 || c == '.' ||
                             c == ')' || c == '|' || c == '(' || c == '[' || c == ',';
      if (!separator) {
        if (!IsAlpha(c)) return std::nullopt;
        // "Scene 1 The Hook" reads as a heading; "Scene 1 shows the laptop" does not.
        const std::vector<std::string_view> words = SplitWords(rest);
        if (words.size() > 6) return std::nullopt;
        for (std::string_view w : words) {
          if (!IsUpper(w[0]) && !IsDigit(w[0])) return std::nullopt;
        }
      }
    }
    Heading h;
    h.tier = Tier::kA;
    SplitTitleContent(rest, /*allow_content=*/true, h);
    if (h.title.empty() && h.content.empty()) h.title = label;
    if (h.title.empty()) h.title = label;
    return h;
  }
  return std::nullopt;
}

struct ClockReading {
  double seconds = 0;
  bool colon = false;
  bool unit = false;
};

// Reads "0:05", "00:00:05", "5", "5s", "5 sec" at `i`.
std::optional<ClockReading> ReadClock(std::string_view t, size_t& i) {
  const size_t start = i;
  while (i < t.size() && (IsDigit(t[i]) || t[i] == ':' || t[i] == '.')) ++i;
  if (i == start) return std::nullopt;
  std::string_view number = t.substr(start, i - start);
  while (!number.empty() && number.back() == '.') {
    number.remove_suffix(1);
    --i;
  }
  ClockReading r;
  r.colon = number.find(':') != kNpos;
  size_t j = i;
  while (j < t.size() && IsBlank(t[j])) ++j;
  size_t k = j;
  while (k < t.size() && IsAlpha(t[k])) ++k;
  std::string_view unit = t.substr(j, k - j);
  double multiplier = 1;
  if (!r.colon && !unit.empty()) {
    multiplier = UnitMultiplier(unit);
    if (multiplier > 0) {
      r.unit = true;
      i = k;
    } else {
      multiplier = 1;
    }
  }
  const std::optional<TimeValue> v = ParseTimeValue(number, 1);
  if (!v) return std::nullopt;
  r.seconds = v->seconds * multiplier;
  return r;
}

// "[0:00-0:05] Hook", "0:05 – Problem", "(0-5s) Intro", "00:10 to 00:25: Demo".
std::optional<Heading> MatchTimecode(std::string_view t) {
  size_t i = 0;
  char close = 0;
  if (!t.empty() && (t[0] == '[' || t[0] == '(')) {
    close = t[0] == '[' ? ']' : ')';
    ++i;
  }
  while (i < t.size() && IsBlank(t[i])) ++i;
  if (i >= t.size() || !IsDigit(t[i])) return std::nullopt;
  const std::optional<ClockReading> first = ReadClock(t, i);
  if (!first) return std::nullopt;
  std::optional<ClockReading> second;
  size_t j = i;
  while (j < t.size() && IsBlank(t[j])) ++j;
  size_t sep = DashLength(t, j);
  if (sep == 0 && StartsWithNoCase(t.substr(j), "to ")) sep = 3;
  if (sep > 0) {
    size_t k = j + sep;
    while (k < t.size() && IsBlank(t[k])) ++k;
    if (k < t.size() && IsDigit(t[k])) {
      second = ReadClock(t, k);
      if (second) i = k;
    }
  }
  if (!first->colon && !(second && (first->unit || second->unit))) return std::nullopt;
  while (i < t.size() && IsBlank(t[i])) ++i;
  if (close != 0) {
    if (i >= t.size() || t[i] != close) return std::nullopt;
    ++i;
  }
  // The timecode must be followed by a separator or text, not by more digits ("10:30am").
  if (i < t.size() && IsAlpha(t[i])) return std::nullopt;
  Heading h;
  h.tier = Tier::kB;
  h.start = first->seconds;
  if (second && second->seconds > first->seconds) h.duration = second->seconds - first->seconds;
  const std::optional<double> range_duration = h.duration;
  SplitTitleContent(t.substr(i), /*allow_content=*/true, h);
  if (range_duration) h.duration = range_duration;
  return h;
}

// "Hook:", "HOOK (0-3s): ...", "CTA — Follow us", "Problem", "Tip 2:".
std::optional<Heading> MatchSection(std::string_view t) {
  static const auto* const kGroups = [] {
    auto* words = new std::vector<std::string_view>{
        "call to action", "call-to-action", "cta",          "hook",         "the hook",
        "intro",          "introduction",   "opening",      "opener",       "cold open",
        "outro",          "closing",        "conclusion",   "problem",      "the problem",
        "solution",       "the solution",   "benefits",     "benefit",      "features",
        "demo",           "demonstration",  "social proof", "proof",        "testimonial",
        "testimonials",   "summary",        "recap",        "teaser",       "payoff",
        "setup",          "context",        "example",      "story",        "climax",
        "resolution",     "reveal",         "tip",          "tips",         "takeaway",
        "key takeaway",   "final thoughts", "wrap up",      "wrap-up",      "end card",
        "end screen",     "agitate",        "agitation",    "how it works", "why it matters",
        "pain point",     "offer",          "closer",       "final scene",  "epilogue",
        "prologue"};
    std::sort(words->begin(), words->end(),
              [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
    // Grouped by first letter (only words sharing t's first letter can match), longest first.
    auto* groups = new std::array<std::vector<std::string_view>, 26>;
    for (std::string_view w : *words) (*groups)[static_cast<size_t>(w[0] - 'a')].push_back(w);
    delete words;
    return groups;
  }();
  if (t.empty() || !IsLower(LowerAscii(t[0]))) return std::nullopt;
  for (std::string_view w : (*kGroups)[static_cast<size_t>(LowerAscii(t[0]) - 'a')]) {
    if (!StartsWithNoCase(t, w)) continue;
    size_t i = w.size();
    if (i < t.size() && IsAlpha(t[i])) continue;
    size_t j = i;
    while (j < t.size() && IsBlank(t[j])) ++j;
    size_t k = j;
    while (k < t.size() && IsDigit(t[k]) && k - j < 3) ++k;
    const bool numbered = k > j;
    if (k > j) {
      i = k;
      j = k;
      while (j < t.size() && IsBlank(t[j])) ++j;
    }
    if (j < t.size()) {
      const char c = t[j];
      const bool ok = ColonLength(t, j) > 0 || c == '(' || c == '[' || c == '|' ||
                      (DashLength(t, j) > 0 && j > i);
      if (!ok) continue;
    }
    Heading h;
    h.tier = Tier::kB;
    h.section = true;
    h.title = CleanTitle(t.substr(0, i));
    std::string rest(Trim(t.substr(j)));
    h.duration = ExtractEdgeDuration(rest);
    rest = std::string(Trim(SkipLeadingSeparators(rest)));
    if (!h.duration) h.duration = ExtractEdgeDuration(rest);
    // "Tip 1: Keep a schedule" names the tip; "CTA: Subscribe now!" is what is said.
    if (numbered && !rest.empty() && CountWords(rest) <= 6 && !EndsWithSentencePunctuation(rest) &&
        !ParseLabel(rest)) {
      h.title = absl::StrCat(h.title, ": ", CleanTitle(rest));
      rest.clear();
    }
    h.content = std::move(rest);
    return h;
  }
  return std::nullopt;
}

bool IsKnownLabelHeading(std::string_view text) {
  std::string_view t = Trim(text);
  while (!t.empty() && (t.back() == ':' || t.back() == '.')) t.remove_suffix(1);
  if (t.empty() || t.size() > 40) return false;
  std::string_view label;
  std::string_view paren;
  SplitParen(t, &label, &paren);
  return LookupLabel(label) != Field::kNone;
}

Field LabelHeadingField(std::string_view text) {
  std::string_view t = Trim(text);
  while (!t.empty() && (t.back() == ':' || t.back() == '.')) t.remove_suffix(1);
  std::string_view label;
  std::string_view paren;
  SplitParen(t, &label, &paren);
  return LookupLabel(label);
}

bool IsKnownLabelLine(std::string_view text) {
  const std::optional<LabelMatch> label = ParseLabel(text);
  return label && label->field != Field::kNone;
}

Heading MatchHeadingLine(const Line& line) {
  const std::string_view t = line.text;
  if (t.empty()) return {};
  if (MatchScreenplay(t)) {
    Heading h;
    h.tier = Tier::kA;
    h.screenplay = true;
    std::string title(t);
    if (title.size() <= 400) h.duration = ExtractEdgeDuration(title);
    h.title = std::string(Trim(title));
    return h;
  }
  if (std::optional<Heading> h = MatchKeyword(t)) return *h;
  if (line.number > 0 && line.md_level == 0) {
    // Numbered items form one list: they are all scenes or all content, whatever they say.
    if (IsKnownLabelLine(t)) return {};
    Heading h;
    if (std::optional<Heading> m = MatchTimecode(t)) {
      h = *std::move(m);
    } else if (std::optional<Heading> m = MatchSection(t)) {
      h = *std::move(m);
    } else {
      SplitTitleContent(t, /*allow_content=*/true, h);
    }
    h.tier = Tier::kC;
    return h;
  }
  if (std::optional<Heading> h = MatchTimecode(t)) return *h;
  if (std::optional<Heading> h = MatchSection(t)) return *h;
  if (line.bold_wrapped && line.md_level == 0 && CountWords(t) <= 12 && !IsKnownLabelLine(t) &&
      !EndsWithSentencePunctuation(t)) {
    Heading h;
    h.tier = Tier::kC;
    SplitTitleContent(t, /*allow_content=*/false, h);
    return h;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Screenplay helpers and effects

bool IsTransition(std::string_view text) {
  // Lowercasing does not touch the stripped characters: strip first, then look up lowercased.
  std::string_view t = Trim(text);
  while (!t.empty() && (t.back() == ':' || t.back() == '.' || t.back() == ' ')) t.remove_suffix(1);
  static const auto* const kTransitions = new WordSet{"cut to",
                                                      "fade in",
                                                      "fade out",
                                                      "fade to black",
                                                      "fade to white",
                                                      "dissolve to",
                                                      "smash cut to",
                                                      "smash cut",
                                                      "match cut to",
                                                      "match cut",
                                                      "wipe to",
                                                      "jump cut",
                                                      "jump cut to",
                                                      "cut to black",
                                                      "crossfade",
                                                      "cross fade",
                                                      "iris out",
                                                      "iris in",
                                                      "hard cut",
                                                      "fade up",
                                                      "fade in from black",
                                                      "dissolve",
                                                      "cut"};
  return kTransitions->ContainsLower(t);
}

// "SARAH", "NARRATOR (V.O.)", "DR. LEE (CONT'D)".
std::optional<std::string> CharacterCue(std::string_view text) {
  std::string_view t = Trim(text);
  if (t.size() > 50) return std::nullopt;
  const size_t paren = t.find('(');
  std::string_view name = Trim(paren == kNpos ? t : t.substr(0, paren));
  if (name.empty() || !IsAllCaps(name) || CountWords(name) > 4) return std::nullopt;
  for (char c : name) {
    if (!(IsUpper(c) || IsDigit(c) || c == ' ' || c == '.' || c == '\'' || c == '-')) {
      return std::nullopt;
    }
  }
  if (IsTransition(t)) return std::nullopt;
  return std::string(name);
}

bool IsNarratorName(std::string_view name) {
  const NormalizedLabel label(name);
  if (!label.fits()) return false;
  const std::string_view n = label.view();
  return n == "narrator" || n == "voice" || n == "vo" || n == "v o" || n == "announcer" ||
         n == "voiceover" || n == "voice over" || n == "everyone" || n == "all" || n == "crowd";
}

// Most characters kept per scene (bounds the work on pathological input).
constexpr size_t kMaxSceneCharacters = 20;

void AddCharacter(std::vector<std::string>& characters, std::string name) {
  if (characters.size() >= kMaxSceneCharacters) return;
  if (std::find(characters.begin(), characters.end(), name) == characters.end()) {
    characters.push_back(std::move(name));
  }
}

// "SARAH" -> "Sarah", "DR. LEE" -> "Dr. Lee".
std::string TitleCase(std::string_view name) {
  std::string out(name);
  bool start = true;
  for (char& c : out) {
    if (IsAlpha(c)) {
      c = start ? static_cast<char>(IsLower(c) ? c - 'a' + 'A' : c)
                : static_cast<char>(IsUpper(c) ? c - 'A' + 'a' : c);
      start = false;
    } else {
      start = c == ' ' || c == '-' || c == '.';
    }
  }
  return out;
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size();
    bool split = end || text[i] == ',' || text[i] == ';';
    size_t skip = 1;
    if (!split && text[i] == ' ' && StartsWithNoCase(text.substr(i), " and ")) {
      split = true;
      skip = 5;
    }
    if (split) {
      std::string_view item = Trim(text.substr(start, i - start));
      while (!item.empty() && item.back() == '.') item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      if (end) break;
      start = i + skip;
      i = start - 1;
    }
  }
  return out;
}

std::string FieldName(Field f) {
  switch (f) {
    case Field::kNarration:
      return "Narration";
    case Field::kVisual:
      return "Visual";
    case Field::kStock:
      return "B-roll";
    case Field::kOnScreenText:
      return "On-screen text";
    case Field::kMusic:
      return "Music";
    case Field::kSfx:
      return "SFX";
    case Field::kChart:
      return "Chart";
    case Field::kDuration:
      return "Duration";
    case Field::kEffect:
      return "Effect";
    case Field::kStyle:
      return "Style";
    case Field::kPalette:
      return "Palette";
    case Field::kTitle:
      return "Title";
    case Field::kNote:
      return "Note";
    case Field::kCharacters:
      return "Characters";
    case Field::kProps:
      return "Props";
    case Field::kNone:
      break;
  }
  return "Text";
}

bool IsSceneField(Field f) {
  return f == Field::kNarration || f == Field::kVisual || f == Field::kStock ||
         f == Field::kOnScreenText || f == Field::kSfx || f == Field::kChart || f == Field::kEffect;
}

bool MentionsWholeProduction(std::string_view text) {
  return ContainsAnyWordNoCase(text.substr(0, 400),
                               {"throughout", "entire video", "whole video", "all scenes",
                                "entire piece", "underneath everything"});
}

bool MentionsStock(std::string_view text) {
  return ContainsAnyWordNoCase(text.substr(0, 400), {"stock", "b-roll", "b roll", "broll"});
}

// MentionsStock and MentionsChart in one pass.
struct Mentions {
  bool stock = false;
  bool chart = false;
};

Mentions FindMentions(std::string_view text) {
  static constexpr std::string_view kWords[] = {"stock", "b-roll", "b roll",
                                                "broll", "chart",  "graph"};
  const uint64_t found = FindWordsNoCase(text.substr(0, 400), kWords);
  return {(found & 0b1111) != 0, (found & 0b110000) != 0};
}

bool SceneHasContent(const ParsedScene& s) {
  return !s.narration.empty() || !s.visuals.empty() || !s.on_screen_text.empty() ||
         !s.music.empty() || !s.sfx.empty() || s.chart.has_value() || !s.effects.empty() ||
         !s.notes.empty();
}

// Splits a line holding several fields: "Length: 30s | Format: 9:16" (segments separated by
// " | " where the first is a known label) and "Show the route. Text overlay: Save 20 min"
// (a known label after the end of a sentence). At most one segment (possibly none) when there
// is nothing to split.
std::vector<std::string_view> SplitSegments(std::string_view text) {
  std::vector<std::string_view> out;
  if (text.size() > 4000) return out;
  if (text.find('|') != kNpos && text.find(" | ") != kNpos &&
      IsKnownLabelLine(text.substr(0, text.find(" | ")))) {
    size_t start = 0;
    while (true) {
      const size_t bar = text.find(" | ", start);
      const std::string_view part = Trim(text.substr(start, bar == kNpos ? kNpos : bar - start));
      if (!part.empty()) out.push_back(part);
      if (bar == kNpos) break;
      start = bar + 3;
    }
    return out;
  }
  size_t start = 0;
  // The first colon at or after i + 2: a split at i needs one within 32 bytes of i + 2.
  size_t next_colon = text.find(':', std::min<size_t>(3, text.size()));
  for (size_t i = 1; i + 2 < text.size() && next_colon != kNpos; ++i) {
    if (next_colon < i + 2) {
      next_colon = text.find(':', i + 2);
      if (next_colon == kNpos) break;
    }
    if (next_colon - (i + 2) >= 32) {
      i = next_colon - 34;  // the next position that can split is next_colon - 33
      continue;
    }
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?' && c != '"') continue;
    if (c == '"' && !(text[i - 1] == '.' || text[i - 1] == '!' || text[i - 1] == '?')) continue;
    if (text[i + 1] != ' ' || !IsUpper(text[i + 2])) continue;
    // A known label of at most three words, then a colon.
    const std::string_view tail = text.substr(i + 2);
    const size_t colon = tail.substr(0, 32).find(':');
    if (colon == kNpos || CountWords(tail.substr(0, colon)) > 3) continue;
    std::string_view label;
    std::string_view paren;
    SplitParen(tail.substr(0, colon), &label, &paren);
    if (LookupLabel(label) == Field::kNone) continue;
    out.push_back(Trim(text.substr(start, i + 1 - start)));
    start = i + 2;
  }
  if (!out.empty()) out.push_back(Trim(text.substr(start)));
  return out;
}

size_t FindNoCase(std::string_view text, std::string_view needle) {
  if (needle.empty() || text.size() < needle.size()) return kNpos;
  for (size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (StartsWithNoCase(text.substr(i), needle)) return i;
  }
  return kNpos;
}

std::vector<std::string> SplitCells(std::string_view row) {
  std::string_view t = Trim(row);
  if (!t.empty() && t.front() == '|') t.remove_prefix(1);
  if (!t.empty() && t.back() == '|') t.remove_suffix(1);
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '\\' && i + 1 < t.size() && t[i + 1] == '|') {
      cell.push_back('|');
      ++i;
    } else if (t[i] == '|') {
      cells.push_back(RemoveEmphasis(Trim(cell)));
      cell.clear();
    } else {
      cell.push_back(t[i]);
    }
  }
  cells.push_back(RemoveEmphasis(Trim(cell)));
  return cells;
}

// Table columns: a label field, or the scene title / time columns.
enum class Column { kIgnore, kTitle, kTime, kField };

struct TableColumn {
  Column kind = Column::kIgnore;
  Field field = Field::kNone;
  std::string header;
};

std::optional<std::vector<TableColumn>> MapColumns(const std::vector<std::string>& header) {
  static const auto* const kTitleHeaders = new absl::flat_hash_set<std::string>{
      "scene",   "",     "no",          "number",   "section",      "beat",
      "segment", "part", "scene title", "title",    "name",         "step",
      "slide",   "shot", "shot no",     "scene no", "scene number", "id"};
  static const auto* const kTimeHeaders = new absl::flat_hash_set<std::string>{"time",
                                                                               "timecode",
                                                                               "timing",
                                                                               "duration",
                                                                               "length",
                                                                               "dur",
                                                                               "seconds",
                                                                               "secs",
                                                                               "sec",
                                                                               "time s",
                                                                               "duration s",
                                                                               "duration sec",
                                                                               "duration seconds",
                                                                               "start end"};
  std::vector<TableColumn> columns;
  int content = 0;
  int known = 0;
  for (const std::string& cell : header) {
    TableColumn column;
    column.header = cell;
    const std::string key = NormalizeLabel(cell);
    if (kTimeHeaders->contains(key)) {
      column.kind = Column::kTime;
      ++known;
    } else if (kTitleHeaders->contains(key) && (key != "" || cell.find('#') != std::string::npos)) {
      column.kind = Column::kTitle;
      ++known;
    } else if (const Field f = LookupLabel(cell); f != Field::kNone) {
      column.kind = Column::kField;
      column.field = f;
      ++known;
      if (IsSceneField(f) || f == Field::kMusic) ++content;
    }
    columns.push_back(std::move(column));
  }
  if (known < 2 || content < 1) return std::nullopt;
  return columns;
}

// ---------------------------------------------------------------------------------------------
// The parser

enum class Role {
  kBlank,
  kRule,
  kContent,
  kScene,         // a scene heading
  kTitle,         // the treatment's title heading
  kLabelHeading,  // "### Visuals", "**Narration:**" alone
  kMeta,          // "## Logline": a section about the whole production
  kGroup,         // a heading that groups scenes ("## Act 1"), kept as a note
  kTableHeader,
  kTableRow,
};

struct LineInfo {
  Line line;
  Heading heading;
  Role role = Role::kContent;
  Field field = Field::kNone;  // kLabelHeading
};

enum class Section { kPreamble, kScene, kMeta };

class Parser {
 public:
  explicit Parser(const ParseOptions& options) : options_(options) {}

  ParsedTreatment Run(std::string_view input);

 private:
  void Classify();
  void Walk();
  void Finalize();

  void Warn(std::string message);
  void LineWarning(std::string message);

  ParsedScene& Current();
  void StartScene(std::string title, std::optional<double> duration, std::optional<double> start,
                  std::string_view heading_text);
  void ResetBlock();

  void ProcessContent(std::string_view text, bool bullet);
  void ProcessPlain(std::string_view text, bool bullet);
  void ProcessLabel(const LabelMatch& m);
  bool ProcessContinuation(Field field, std::string_view text, bool bullet);
  void ProcessTableRow(const Line& line);
  // Routes a value to its scene field or to the treatment (title, style, totals ...).
  void AddToField(Field field, std::string_view value, bool append, std::string_view paren,
                  bool labelled, std::string_view label);
  void AddGlobal(Field field, std::string_view value, std::string_view label);
  void AddNarration(std::string_view text, bool labelled);
  void AddVisual(std::string_view text, bool stock, bool append, bool labelled);
  void AddChart(std::string_view text, std::string_view kind_hint, bool append);
  void AddNote(std::string_view text, bool warn, std::string_view why = {});
  // Without headings: opens a new scene when `field` repeats in a new paragraph or after others.
  void AutoSplit(Field field, bool labelled);

  void SplitLongScene();
  void MergeScenes();

  const ParseOptions& options_;
  ParsedTreatment out_;
  // The treatment as CleanText makes it: the input itself when it is clean already.
  std::string clean_storage_;
  std::string_view clean_;
  // Line texts that are not views of clean_ (see PreprocessLine).
  std::deque<std::string> line_texts_;
  std::vector<LineInfo> lines_;
  bool headings_mode_ = false;
  bool screenplay_ = false;
  int md_scene_level_ = 0;

  Section section_ = Section::kPreamble;
  Field meta_field_ = Field::kNote;
  int meta_level_ = 0;
  // The field a label opened; lines below it continue it (see ProcessContent).
  Field pending_field_ = Field::kNone;
  bool block_mode_ = false;  // the label stood alone ("**Visuals:**")
  bool block_has_content_ = false;
  Field field_before_label_ = Field::kNone;
  bool after_blank_ = true;
  Field last_field_ = Field::kNone;
  bool force_split_ = false;
  bool in_dialogue_ = false;
  bool preamble_content_ = false;
  std::vector<std::string> pending_effects_;
  std::vector<TableColumn> table_columns_;
  bool scene_cap_warned_ = false;
  absl::flat_hash_set<size_t> visual_cap_warned_;
  int line_warnings_ = 0;
  int suppressed_warnings_ = 0;
  bool preamble_note_warned_ = false;
};

void Parser::Warn(std::string message) { out_.warnings.push_back(std::move(message)); }

void Parser::LineWarning(std::string message) {
  if (line_warnings_ >= options_.max_line_warnings) {
    ++suppressed_warnings_;
    return;
  }
  ++line_warnings_;
  Warn(std::move(message));
}

ParsedScene& Parser::Current() {
  if (out_.scenes.empty()) {
    out_.scenes.emplace_back();
    ParsedScene& s = out_.scenes.back();
    s.effects = std::move(pending_effects_);
    pending_effects_.clear();
  }
  section_ = Section::kScene;
  return out_.scenes.back();
}

void Parser::StartScene(std::string title, std::optional<double> duration,
                        std::optional<double> start, std::string_view heading_text) {
  ResetBlock();
  in_dialogue_ = false;
  force_split_ = false;
  if (static_cast<int>(out_.scenes.size()) >= std::max(1, options_.max_scenes)) {
    if (!scene_cap_warned_) {
      scene_cap_warned_ = true;
      Warn(absl::StrCat("the treatment has more than ", options_.max_scenes,
                        " scenes; later scene headings are kept as notes of the last scene"));
    }
    section_ = Section::kScene;
    out_.scenes.back().notes.push_back(TruncateUtf8(heading_text, 500));
    return;
  }
  out_.scenes.emplace_back();
  ParsedScene& s = out_.scenes.back();
  s.title = TruncateUtf8(title, 200);
  if (duration && *duration > 0 && *duration <= 3600) {
    s.duration_seconds = duration;
  } else if (duration) {
    LineWarning(absl::StrCat("scene ", out_.scenes.size(), ": ignored duration ", *duration,
                             " s (must be between 0 and 3600 s)"));
  }
  s.start_seconds = start;
  if (!pending_effects_.empty()) {
    s.effects = std::move(pending_effects_);
    pending_effects_.clear();
  }
  section_ = Section::kScene;
}

void Parser::ResetBlock() {
  pending_field_ = Field::kNone;
  block_mode_ = false;
  block_has_content_ = false;
  last_field_ = Field::kNone;
  after_blank_ = true;
}

ParsedTreatment Parser::Run(std::string_view input) {
  int changed = 0;
  if (IsCleanText(input)) {
    clean_ = input;
  } else {
    clean_storage_ = CleanText(input, &changed);
    clean_ = clean_storage_;
  }
  if (changed > 0) {
    Warn(absl::StrCat("replaced or removed ", changed,
                      " invalid UTF-8 sequences or control characters in the treatment"));
  }
  Classify();
  Walk();
  Finalize();
  return std::move(out_);
}

void Parser::Classify() {
  const std::string_view text(clean_);
  size_t line_count = 1;
  for (size_t nl = text.find('\n'); nl != kNpos; nl = text.find('\n', nl + 1)) ++line_count;
  lines_.reserve(line_count);
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view raw = text.substr(start, end == kNpos ? kNpos : end - start);
    LineInfo info;
    info.line = PreprocessLine(raw, line_texts_);
    lines_.push_back(std::move(info));
    if (end == kNpos) break;
    start = end + 1;
  }

  // Tables with a recognised header: each row is a scene.
  bool tier_a = false;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (!lines_[i].line.table) continue;
    if (i + 1 < lines_.size() && lines_[i + 1].line.rule && lines_[i + 1].line.raw.front() == '|' &&
        MapColumns(SplitCells(lines_[i].line.text))) {
      lines_[i].role = Role::kTableHeader;
      size_t j = i + 2;
      while (j < lines_.size() && lines_[j].line.table) {
        lines_[j].role = Role::kTableRow;
        tier_a = true;
        ++j;
      }
      i = j - 1;
    }
  }

  // Heading candidates.
  bool tier_b = false;
  bool tier_c = false;
  bool md_strong = false;
  int md_strong_level = 7;
  for (LineInfo& info : lines_) {
    const Line& line = info.line;
    if (line.blank) {
      info.role = Role::kBlank;
      continue;
    }
    if (line.rule) {
      info.role = Role::kRule;
      continue;
    }
    if (line.table) continue;
    if ((line.md_level > 0 || line.bold_wrapped) && IsKnownLabelHeading(line.text)) {
      info.role = Role::kLabelHeading;
      info.field = LabelHeadingField(line.text);
      continue;
    }
    if (line.md_level > 0 && IsMetaSection(line.text)) {
      info.role = Role::kMeta;
      continue;
    }
    info.heading = MatchHeadingLine(line);
    if (line.md_level > 0) {
      if (info.heading.tier == Tier::kA || info.heading.tier == Tier::kB) {
        md_strong = true;
        md_strong_level = std::min(md_strong_level, line.md_level);
      }
      continue;
    }
    switch (info.heading.tier) {
      case Tier::kA:
        tier_a = true;
        break;
      case Tier::kB:
        tier_b = true;
        break;
      case Tier::kC:
        tier_c = true;
        break;
      case Tier::kNone:
        break;
    }
  }

  // Markdown headings: which level holds the scenes, and is the first one the title?
  int title_index = -1;
  {
    int first_md = -1;
    int level_one = 0;
    for (size_t i = 0; i < lines_.size(); ++i) {
      const LineInfo& info = lines_[i];
      if (info.line.md_level == 0 || info.role == Role::kLabelHeading || info.role == Role::kMeta) {
        continue;
      }
      if (first_md < 0) first_md = static_cast<int>(i);
      if (info.line.md_level == 1) ++level_one;
    }
    if (first_md >= 0 && lines_[first_md].line.md_level == 1 && level_one == 1 &&
        !(md_strong && md_strong_level == 1 && lines_[first_md].heading.tier != Tier::kNone &&
          lines_[first_md].heading.tier != Tier::kC)) {
      title_index = first_md;
    }
  }
  if (md_strong) {
    md_scene_level_ = md_strong_level;
  } else if (!tier_a && !tier_b) {
    int level = 7;
    for (size_t i = 0; i < lines_.size(); ++i) {
      const LineInfo& info = lines_[i];
      if (info.line.md_level == 0 || static_cast<int>(i) == title_index ||
          info.role == Role::kLabelHeading || info.role == Role::kMeta) {
        continue;
      }
      level = std::min(level, info.line.md_level);
    }
    if (level < 7) md_scene_level_ = level;
  }
  if (md_scene_level_ > 0) tier_a = true;

  const Tier used = tier_a ? Tier::kA : tier_b ? Tier::kB : tier_c ? Tier::kC : Tier::kNone;
  for (size_t i = 0; i < lines_.size(); ++i) {
    LineInfo& info = lines_[i];
    if (info.role != Role::kContent || info.line.table) continue;
    if (static_cast<int>(i) == title_index) {
      info.role = Role::kTitle;
      continue;
    }
    if (info.line.md_level > 0) {
      const bool strong = info.heading.tier == Tier::kA || info.heading.tier == Tier::kB;
      if (md_scene_level_ > 0 && (info.line.md_level == md_scene_level_ ||
                                  (strong && info.line.md_level > md_scene_level_))) {
        info.role = Role::kScene;
        if (info.heading.tier == Tier::kNone || info.heading.tier == Tier::kC) {
          // A plain Markdown heading: the whole text is the title.
          Heading h;
          h.tier = Tier::kA;
          SplitTitleContent(info.line.text, /*allow_content=*/false, h);
          info.heading = std::move(h);
        }
      } else {
        info.role = Role::kGroup;
      }
      continue;
    }
    if (info.heading.tier != Tier::kNone && info.heading.tier == used) {
      info.role = Role::kScene;
    } else if (info.heading.screenplay) {
      info.role = Role::kScene;
    }
  }
  headings_mode_ = used != Tier::kNone;
  for (const LineInfo& info : lines_) {
    if (info.role == Role::kScene && info.heading.screenplay) screenplay_ = true;
  }
  section_ = headings_mode_ ? Section::kPreamble : Section::kScene;
}

void Parser::Walk() {
  for (size_t i = 0; i < lines_.size(); ++i) {
    LineInfo& info = lines_[i];
    const Line& line = info.line;
    switch (info.role) {
      case Role::kBlank:
      case Role::kRule:
        after_blank_ = true;
        last_field_ = Field::kNone;
        in_dialogue_ = false;
        if (!block_mode_) pending_field_ = Field::kNone;
        if (info.role == Role::kRule && !headings_mode_) force_split_ = true;
        continue;
      case Role::kTitle:
        if (out_.title.empty()) {
          std::string title(line.text);
          out_.title = TruncateUtf8(CleanTitle(title), 200);
        } else {
          AddNote(line.text, true, "a second title");
        }
        ResetBlock();
        continue;
      case Role::kMeta:
        section_ = Section::kMeta;
        meta_level_ = line.md_level;
        meta_field_ = Field::kNote;
        ResetBlock();
        continue;
      case Role::kLabelHeading: {
        ResetBlock();
        in_dialogue_ = false;
        const bool sibling =
            line.md_level > 0 && md_scene_level_ > 0 && line.md_level <= md_scene_level_;
        if (sibling || section_ == Section::kMeta) {
          if (sibling || line.md_level <= meta_level_) {
            section_ = Section::kMeta;
            meta_level_ = line.md_level;
            meta_field_ = info.field;
            continue;
          }
        }
        pending_field_ = info.field;
        block_mode_ = true;
        block_has_content_ = false;
        continue;
      }
      case Role::kGroup:
        ResetBlock();
        if (section_ == Section::kMeta && line.md_level > meta_level_) {
          AddNote(line.text, false);
        } else if (section_ == Section::kMeta) {
          section_ = out_.scenes.empty() ? Section::kPreamble : Section::kScene;
          AddNote(line.text, true, "a heading that is not a scene");
        } else {
          AddNote(line.text, true, "a heading that is not a scene");
        }
        continue;
      case Role::kScene: {
        StartScene(info.heading.title, info.heading.duration, info.heading.start, line.text);
        if (!info.heading.content.empty()) {
          ProcessContent(info.heading.content, false);
          after_blank_ = false;
        }
        continue;
      }
      case Role::kTableHeader:
        table_columns_ = *MapColumns(SplitCells(line.text));
        for (const TableColumn& c : table_columns_) {
          if (c.kind == Column::kIgnore && !c.header.empty()) {
            Warn(absl::StrCat("table column \"", TruncateUtf8(c.header, 60),
                              "\" is not a known field; its cells are kept as scene notes"));
          }
        }
        continue;
      case Role::kTableRow:
        ProcessTableRow(line);
        continue;
      case Role::kContent:
        break;
    }
    if (line.table) {
      AddNote(line.raw, true, "a table row outside a table with known columns");
      after_blank_ = false;
      continue;
    }
    // A demoted heading candidate: keep its text (a section word's content, a numbered item).
    std::string_view text = line.text;
    if (info.heading.section && section_ == Section::kScene && !info.heading.content.empty() &&
        line.md_level == 0) {
      if (info.heading.duration && !Current().duration_seconds) {
        Current().duration_seconds = info.heading.duration;
      }
      text = info.heading.content;
    }
    // A short first line before any scene reads as the title.
    if (headings_mode_ && section_ == Section::kPreamble && out_.title.empty() &&
        !preamble_content_ && line.md_level == 0 && !line.bullet && CountWords(text) <= 12 &&
        !EndsWithSentencePunctuation(text) && !ParseLabel(text) && !IsTransition(text) &&
        (line.bold_wrapped || i + 1 == lines_.size() || lines_[i + 1].role != Role::kContent)) {
      out_.title = TruncateUtf8(CleanTitle(text), 200);
      preamble_content_ = true;
      continue;
    }
    ProcessContent(text, line.bullet || line.number > 0);
    after_blank_ = false;
  }
}

void Parser::ProcessTableRow(const Line& line) {
  const std::vector<std::string> cells = SplitCells(line.text);
  std::string title;
  std::optional<double> duration;
  std::optional<double> start;
  for (size_t c = 0; c < cells.size() && c < table_columns_.size(); ++c) {
    const TableColumn& column = table_columns_[c];
    if (column.kind == Column::kTitle && title.empty()) {
      std::string_view cell = Trim(cells[c]);
      bool numeric = !cell.empty();
      for (char ch : cell) numeric = numeric && IsDigit(ch);
      if (numeric) {
        title = absl::StrCat("Scene ", std::string(cell));
      } else if (std::optional<Heading> h = MatchKeyword(cell)) {
        title = h->title;
        if (!duration) duration = h->duration;
      } else {
        std::string t(cell);
        if (!duration && t.size() <= 400) duration = ExtractDuration(t);
        title = CleanTitle(t);
      }
    } else if (column.kind == Column::kTime && !duration) {
      const std::string_view cell = Trim(cells[c]);
      if (std::optional<Heading> h = MatchTimecode(cell); h && h->duration) {
        duration = h->duration;
        start = h->start;
      } else if (const std::optional<double> d = ParseDurationText(cell)) {
        duration = d;
      } else if (!cell.empty()) {
        LineWarning(absl::StrCat("scene ", out_.scenes.size() + 1, ": could not read the time \"",
                                 TruncateUtf8(cell, 40), "\""));
      }
    }
  }
  StartScene(title, duration, start, line.text);
  for (size_t c = 0; c < cells.size(); ++c) {
    const std::string_view cell = Trim(cells[c]);
    if (cell.empty()) continue;
    if (c >= table_columns_.size()) {
      AddNote(cell, true, "a table cell without a column header");
      continue;
    }
    const TableColumn& column = table_columns_[c];
    if (column.kind == Column::kField) {
      // "<br>" separates items inside a cell.
      std::string_view rest = cell;
      while (true) {
        const size_t br = FindNoCase(rest, "<br");
        const std::string_view item = Trim(br == kNpos ? rest : rest.substr(0, br));
        if (!item.empty()) {
          const bool scene_item = IsSceneField(column.field) || column.field == Field::kMusic ||
                                  column.field == Field::kNote;
          AddToField(column.field, item, /*append=*/false, {},
                     /*labelled=*/!scene_item, column.header);
        }
        if (br == kNpos) break;
        const size_t close = rest.find('>', br);
        if (close == kNpos) break;
        rest = rest.substr(close + 1);
      }
    } else if (column.kind == Column::kIgnore) {
      Current().notes.push_back(
          absl::StrCat(column.header.empty() ? "Note" : column.header, ": ", std::string(cell)));
    }
  }
  ResetBlock();
}

void Parser::ProcessContent(std::string_view text, bool bullet) {
  text = Trim(text);
  if (text.empty()) return;
  // "Length: 30s | Format: 9:16" and "Hello there. Visual: a cat": one field per segment.
  if (const std::vector<std::string_view> segments = SplitSegments(text); segments.size() > 1) {
    for (std::string_view segment : segments) ProcessContent(segment, bullet);
    return;
  }
  const bool starts_lower = IsLower(text[0]);
  // "(Pause)", "[SFX: whoosh]", "[Cut to black]".
  std::string_view inner = text;
  bool wrapped = false;
  if (text.size() >= 3 && ((text.front() == '(' && text.back() == ')') ||
                           (text.front() == '[' && text.back() == ']'))) {
    const std::string_view candidate = text.substr(1, text.size() - 2);
    if (candidate.find(text.front()) == kNpos) {
      inner = Trim(candidate);
      wrapped = true;
    }
  }
  if (IsTransition(inner)) {
    if (section_ != Section::kScene && headings_mode_) {
      pending_effects_.emplace_back(inner);
    } else {
      Current().effects.emplace_back(inner);
    }
    last_field_ = Field::kEffect;
    return;
  }
  const std::optional<LabelMatch> label = ParseLabel(inner);
  if (label && label->field != Field::kNone) {
    in_dialogue_ = false;
    ProcessLabel(*label);
    return;
  }
  if (wrapped && !in_dialogue_) {
    AddNote(text, false);
    return;
  }
  if (screenplay_ && section_ == Section::kScene) {
    if (in_dialogue_) {
      if (wrapped) {
        Current().notes.emplace_back(text);
      } else {
        AddNarration(text, false);
      }
      return;
    }
    if (std::optional<std::string> cue = CharacterCue(text)) {
      in_dialogue_ = true;
      if (!IsNarratorName(*cue)) {
        std::string name = TitleCase(*cue);
        auto& chars = Current().characters;
        AddCharacter(chars, std::move(name));
      }
      return;
    }
    if (label && label->field == Field::kNone && IsAllCaps(label->label) && !label->value.empty()) {
      if (!IsNarratorName(label->label)) {
        std::string name = TitleCase(label->label);
        auto& chars = Current().characters;
        AddCharacter(chars, std::move(name));
      }
      AddNarration(label->value, true);
      return;
    }
  }
  // Lines below a label continue it.
  if (pending_field_ != Field::kNone) {
    const bool continues =
        block_mode_
            ? (!after_blank_ || bullet || !block_has_content_)
            : (!after_blank_ && (bullet || starts_lower || pending_field_ == Field::kChart));
    if (continues && ProcessContinuation(pending_field_, text, bullet)) return;
  }
  pending_field_ = Field::kNone;
  block_mode_ = false;
  if (label && section_ != Section::kMeta) {
    AddNote(text, true, absl::StrCat("unknown label \"", TruncateUtf8(label->label, 40), "\""));
    return;
  }
  ProcessPlain(text, bullet);
}

void Parser::ProcessPlain(std::string_view text, bool bullet) {
  if (section_ == Section::kMeta) {
    AddGlobal(meta_field_, text, FieldName(meta_field_));
    return;
  }
  if (section_ == Section::kPreamble && headings_mode_) {
    preamble_content_ = true;
    out_.notes.emplace_back(text);
    if (!preamble_note_warned_) {
      preamble_note_warned_ = true;
      Warn("text before the first scene heading is kept as a note of the first scene");
    }
    return;
  }
  if (screenplay_) {
    AddVisual(text, false, last_field_ == Field::kVisual && !bullet, false);
    last_field_ = Field::kVisual;
    return;
  }
  AddNarration(StripQuotes(text), false);
}

bool Parser::ProcessContinuation(Field field, std::string_view text, bool bullet) {
  if (field == Field::kDuration || field == Field::kTitle) return false;
  if (field == Field::kChart) {
    if (section_ == Section::kMeta) return false;
    std::optional<ParsedChart> more = ParseChartText(text);
    if (!more) return false;
    ParsedScene& s = Current();
    if (!s.chart) s.chart = ParsedChart();
    for (ParsedChartPoint& p : more->points) {
      if (s.chart->points.size() < kMaxChartPoints) s.chart->points.push_back(std::move(p));
    }
    if (s.chart->title.empty()) s.chart->title = more->title;
    block_has_content_ = true;
    last_field_ = Field::kChart;
    return true;
  }
  // A line starting in lowercase continues the previous item ("soft wrap"); any other line or
  // bullet is an item of its own.
  const bool has_item = block_mode_ ? block_has_content_ : true;
  const bool append = !bullet && has_item && IsLower(text[0]);
  AddToField(field, text, append, {}, /*labelled=*/false, FieldName(field));
  block_has_content_ = true;
  return true;
}

void Parser::ProcessLabel(const LabelMatch& m) {
  const Field previous = last_field_;
  pending_field_ = m.field;
  block_mode_ = Trim(m.value).empty();
  block_has_content_ = false;
  if (block_mode_) {
    field_before_label_ = previous;
    last_field_ = m.field;
    return;
  }
  AddToField(m.field, m.value, /*append=*/false, m.paren, /*labelled=*/true, m.label);
}

namespace {

void AddItem(std::vector<std::string>& list, std::string_view value, bool append) {
  if (append && !list.empty()) {
    AppendWithSpace(list.back(), value);
  } else {
    list.emplace_back(value);
  }
}

}  // namespace

void Parser::AddToField(Field field, std::string_view value, bool append, std::string_view paren,
                        bool labelled, std::string_view label) {
  value = Trim(value);
  if (value.empty()) return;
  const bool meta = section_ == Section::kMeta;
  const bool before_scenes = headings_mode_ && section_ == Section::kPreamble;
  // In a treatment without headings, settings written before any content are treatment-wide.
  const bool at_top =
      !headings_mode_ &&
      (out_.scenes.empty() || (out_.scenes.size() == 1 && !SceneHasContent(out_.scenes[0])));
  switch (field) {
    case Field::kTitle:
      if (meta || before_scenes || out_.scenes.empty()) {
        AddGlobal(field, value, label);
      } else {
        ParsedScene& s = Current();
        if (s.title.empty()) {
          s.title = TruncateUtf8(CleanTitle(value), 200);
        } else {
          s.on_screen_text.emplace_back(value);
        }
      }
      break;
    case Field::kStyle:
    case Field::kPalette:
    case Field::kProps:
      AddGlobal(field, value, label);
      break;
    case Field::kCharacters:
      AddGlobal(field, value, label);
      if (!meta && !before_scenes && !out_.scenes.empty()) {
        for (std::string& name : SplitList(value)) {
          auto& chars = Current().characters;
          AddCharacter(chars, std::move(name));
        }
      }
      break;
    case Field::kDuration: {
      const std::optional<double> d = ParseDurationText(value);
      if (!d || *d > 3600) {
        AddNote(absl::StrCat(std::string(label), ": ", std::string(value)), true,
                "not a duration between 0 and 3600 seconds");
        break;
      }
      if (meta || before_scenes || at_top) {
        out_.total_duration_seconds = d;
      } else {
        Current().duration_seconds = d;
      }
      break;
    }
    case Field::kMusic:
      if (meta || before_scenes || at_top || MentionsWholeProduction(value)) {
        AddGlobal(field, value, label);
      } else {
        AddItem(Current().music, value, append);
      }
      break;
    case Field::kNote: {
      // "Mood: tense" keeps its label; "Note: ..." does not need it.
      const NormalizedLabel normalized(label);
      const std::string_view key = normalized.fits() ? normalized.view() : "-";
      const std::string note =
          (key.empty() || key == "note" || key == "notes" || key == "nb" || !labelled)
              ? std::string(value)
              : absl::StrCat(std::string(label), ": ", std::string(value));
      if (meta || before_scenes) {
        out_.notes.push_back(note);
      } else {
        AddItem(Current().notes, note, append);
      }
      break;
    }
    case Field::kEffect:
      if (meta) {
        AddGlobal(Field::kNote, absl::StrCat(std::string(label), ": ", std::string(value)), label);
      } else if (before_scenes) {
        pending_effects_.emplace_back(value);
      } else {
        AddItem(Current().effects, value, append);
      }
      break;
    case Field::kNarration:
    case Field::kVisual:
    case Field::kStock:
    case Field::kOnScreenText:
    case Field::kSfx:
    case Field::kChart:
      if (meta) {
        AddGlobal(Field::kNote, absl::StrCat(std::string(label), ": ", std::string(value)), label);
        break;
      }
      if (field == Field::kNarration) {
        AddNarration(StripQuotes(value), labelled);
      } else if (field == Field::kVisual || field == Field::kStock) {
        AddVisual(value, field == Field::kStock, append, labelled);
      } else if (field == Field::kOnScreenText) {
        AddItem(Current().on_screen_text, StripQuotes(value), append);
      } else if (field == Field::kSfx) {
        AddItem(Current().sfx, value, append);
      } else {
        AddChart(value, absl::StrCat(std::string(label), " ", std::string(paren)), append);
      }
      break;
    case Field::kNone:
      AddNote(value, true);
      break;
  }
  last_field_ = field;
}

void Parser::AddGlobal(Field field, std::string_view value, std::string_view label) {
  value = Trim(value);
  if (value.empty()) return;
  constexpr size_t kMaxListItems = 20;
  const auto add_names = [&](std::vector<std::string>& list) {
    for (std::string& item : SplitList(value)) {
      // "Maya: a designer" and "Maya - a designer" name "Maya".
      std::string_view name = item;
      const auto [colon, colon_len] = FindTopLevel(name, MatchColon);
      const auto [dash, dash_len] = FindTopLevel(name, MatchSpacedDash);
      const size_t cut = std::min(colon, dash);
      if (cut != kNpos) name = Trim(name.substr(0, cut));
      const size_t paren = name.find('(');
      if (paren != kNpos && paren > 0) name = Trim(name.substr(0, paren));
      if (name.empty() || CountWords(name) > 4 || name.size() > 60) continue;
      if (std::find(list.begin(), list.end(), name) == list.end() && list.size() < kMaxListItems) {
        list.emplace_back(name);
      }
    }
  };
  switch (field) {
    case Field::kTitle:
      if (out_.title.empty()) {
        out_.title = TruncateUtf8(CleanTitle(value), 200);
      } else {
        out_.notes.push_back(absl::StrCat(std::string(label), ": ", std::string(value)));
      }
      break;
    case Field::kStyle:
      if (out_.style.size() < 1000) {
        if (!out_.style.empty()) out_.style.append("; ");
        out_.style.append(value);
      } else {
        out_.notes.push_back(absl::StrCat(std::string(label), ": ", std::string(value)));
      }
      break;
    case Field::kPalette:
      for (std::string& item : SplitList(value)) {
        if (out_.palette.size() < kMaxListItems) out_.palette.push_back(TruncateUtf8(item, 60));
      }
      break;
    case Field::kCharacters:
      add_names(out_.characters);
      break;
    case Field::kProps:
      add_names(out_.props);
      break;
    case Field::kMusic:
      if (out_.music.size() < 8) {
        out_.music.emplace_back(value);
      } else {
        out_.notes.push_back(absl::StrCat("Music: ", std::string(value)));
      }
      break;
    case Field::kDuration:
      if (const std::optional<double> d = ParseDurationText(value); d && *d <= 3600) {
        out_.total_duration_seconds = d;
      } else {
        out_.notes.push_back(absl::StrCat(std::string(label), ": ", std::string(value)));
      }
      break;
    default:
      out_.notes.emplace_back(value);
      break;
  }
}

void Parser::AutoSplit(Field field, bool labelled) {
  if (headings_mode_) return;
  if (out_.scenes.empty()) {
    Current();
    force_split_ = false;
    return;
  }
  const ParsedScene& s = out_.scenes.back();
  const bool first_of_block = block_mode_ && !block_has_content_;
  const Field previous = first_of_block ? field_before_label_ : last_field_;
  const bool is_label = labelled || first_of_block;
  const bool has = field == Field::kNarration ? !s.narration.empty() : !s.visuals.empty();
  bool split = false;
  if (force_split_ && SceneHasContent(s)) {
    split = true;
  } else if (has && after_blank_) {
    split = true;
  } else if (has && is_label && previous != field && previous != Field::kNone) {
    split = true;
  }
  force_split_ = false;
  if (split && static_cast<int>(out_.scenes.size()) < std::max(1, options_.max_scenes)) {
    out_.scenes.emplace_back();
  }
}

void Parser::AddNarration(std::string_view text, bool labelled) {
  text = Trim(text);
  if (text.empty()) return;
  if (section_ == Section::kMeta) {
    out_.notes.emplace_back(text);
    return;
  }
  AutoSplit(Field::kNarration, labelled);
  AppendWithSpace(Current().narration, text);
  last_field_ = Field::kNarration;
}

void Parser::AddVisual(std::string_view text, bool stock, bool append, bool labelled) {
  text = Trim(text);
  if (text.empty()) return;
  if (section_ == Section::kMeta) {
    out_.notes.emplace_back(text);
    return;
  }
  if (!append) AutoSplit(Field::kVisual, labelled);
  ParsedScene& s = Current();
  last_field_ = Field::kVisual;
  if (append && !s.visuals.empty()) {
    AppendWithSpace(s.visuals.back().description, text);
    s.visuals.back().stock = s.visuals.back().stock || MentionsStock(text);
    return;
  }
  const Mentions mentions = FindMentions(text);
  if (!s.chart && mentions.chart) {
    std::optional<ParsedChart> chart = ParseChartText(text);
    if (chart && chart->points.size() >= 2) {
      s.chart = std::move(chart);
      return;
    }
  }
  if (static_cast<int>(s.visuals.size()) >= std::max(1, options_.max_visuals_per_scene)) {
    s.notes.push_back(absl::StrCat("Visual: ", std::string(text)));
    const size_t index = out_.scenes.size();
    if (visual_cap_warned_.insert(index).second) {
      LineWarning(absl::StrCat("scene ", index, " has more than ", options_.max_visuals_per_scene,
                               " visuals; the rest are kept as notes"));
    }
    return;
  }
  s.visuals.push_back({std::string(text), stock || mentions.stock});
}

void Parser::AddChart(std::string_view text, std::string_view kind_hint, bool append) {
  ParsedScene& s = Current();
  std::optional<ParsedChart> chart = ParseChartText(text);
  const std::optional<std::string> hinted = DetectChartKind(kind_hint);
  if (!s.chart) {
    if (chart) {
      s.chart = std::move(chart);
    } else {
      s.chart = ParsedChart();
      s.chart->kind = DetectChartKind(text).value_or("bar");
      s.chart->title = TruncateUtf8(text, 200);
    }
    if (hinted) s.chart->kind = *hinted;
    return;
  }
  if (chart && (append || s.chart->points.empty())) {
    for (ParsedChartPoint& p : chart->points) {
      if (s.chart->points.size() < kMaxChartPoints) s.chart->points.push_back(std::move(p));
    }
    if (s.chart->title.empty()) s.chart->title = chart->title;
    return;
  }
  if (!chart && s.chart->points.empty() && s.chart->title.empty()) {
    s.chart->title = TruncateUtf8(text, 200);
    return;
  }
  AddNote(absl::StrCat("Chart: ", std::string(text)), true, "a scene shows one chart");
}

void Parser::AddNote(std::string_view text, bool warn, std::string_view why) {
  text = Trim(text);
  if (text.empty()) return;
  std::string where;
  if (section_ == Section::kScene || !headings_mode_) {
    Current().notes.emplace_back(text);
    where = absl::StrCat("scene ", out_.scenes.size());
  } else {
    out_.notes.emplace_back(text);
    where = "before the first scene";
  }
  if (warn) {
    LineWarning(absl::StrCat(where, ": kept \"", TruncateUtf8(text, 80), "\" as a note",
                             why.empty() ? "" : absl::StrCat(" (", std::string(why), ")")));
  }
}

namespace {

std::vector<std::string_view> SplitSentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?') continue;
    size_t j = i + 1;
    while (j < text.size() && (text[j] == '"' || text[j] == '\'' || text[j] == ')')) ++j;
    if (j < text.size() && text[j] != ' ') continue;
    const std::string_view sentence = Trim(text.substr(start, j - start));
    if (!sentence.empty()) out.push_back(sentence);
    start = j;
    i = j;
  }
  const std::string_view tail = Trim(text.substr(std::min(start, text.size())));
  if (!tail.empty()) out.push_back(tail);
  return out;
}

void MergeInto(ParsedScene& into, ParsedScene& from, size_t max_visuals) {
  if (into.title.empty()) into.title = std::move(from.title);
  AppendWithSpace(into.narration, from.narration);
  for (ParsedVisual& v : from.visuals) {
    if (into.visuals.size() < max_visuals) {
      into.visuals.push_back(std::move(v));
    } else {
      into.notes.push_back(absl::StrCat("Visual: ", v.description));
    }
  }
  const auto move_all = [](std::vector<std::string>& a, std::vector<std::string>& b) {
    for (std::string& x : b) a.push_back(std::move(x));
  };
  move_all(into.on_screen_text, from.on_screen_text);
  move_all(into.music, from.music);
  move_all(into.sfx, from.sfx);
  move_all(into.effects, from.effects);
  move_all(into.notes, from.notes);
  for (std::string& c : from.characters) AddCharacter(into.characters, std::move(c));
  if (from.chart) {
    if (!into.chart) {
      into.chart = std::move(from.chart);
    } else {
      into.notes.push_back(absl::StrCat("Chart: ", from.chart->title));
    }
  }
  if (into.duration_seconds && from.duration_seconds) {
    into.duration_seconds = *into.duration_seconds + *from.duration_seconds;
  } else {
    into.duration_seconds.reset();
  }
}

}  // namespace

void Parser::SplitLongScene() {
  if (out_.scenes.size() != 1) return;
  ParsedScene& only = out_.scenes[0];
  if (only.duration_seconds) return;
  const int per = std::max(10, options_.words_per_auto_scene);
  const int words = CountWords(only.narration);
  if (words < per * 3 / 2) return;
  const std::vector<std::string_view> sentences = SplitSentences(only.narration);
  if (sentences.size() < 2) return;
  int chunks = std::clamp((words + per / 2) / per, 2, std::max(2, options_.max_auto_scenes));
  chunks = std::min(chunks, static_cast<int>(sentences.size()));
  const double target = static_cast<double>(words) / chunks;
  std::vector<ParsedScene> scenes(static_cast<size_t>(chunks));
  int cumulative = 0;
  size_t k = 0;
  for (std::string_view sentence : sentences) {
    if (k + 1 < scenes.size() && cumulative >= target * static_cast<double>(k + 1)) ++k;
    AppendWithSpace(scenes[k].narration, sentence);
    cumulative += CountWords(sentence);
  }
  only.narration.clear();
  ParsedScene first = std::move(only);
  first.narration = std::move(scenes[0].narration);
  scenes[0] = std::move(first);
  while (!scenes.empty() && !SceneHasContent(scenes.back())) scenes.pop_back();
  out_.scenes = std::move(scenes);
}

void Parser::MergeScenes() {
  const size_t n = out_.scenes.size();
  const size_t max = static_cast<size_t>(std::max(1, options_.max_auto_scenes));
  if (n <= max) return;
  std::vector<ParsedScene> merged(max);
  for (size_t g = 0; g < max; ++g) {
    const size_t begin = g * n / max;
    const size_t end = (g + 1) * n / max;
    merged[g] = std::move(out_.scenes[begin]);
    for (size_t i = begin + 1; i < end; ++i) {
      MergeInto(merged[g], out_.scenes[i],
                static_cast<size_t>(std::max(1, options_.max_visuals_per_scene)));
    }
  }
  Warn(absl::StrCat("the treatment has no scene headings; its ", n,
                    " paragraphs were grouped into ", max, " scenes"));
  out_.scenes = std::move(merged);
}

void Parser::Finalize() {
  // Durations from leading timecodes: a scene lasts until the next one starts.
  for (size_t i = 0; i < out_.scenes.size(); ++i) {
    ParsedScene& s = out_.scenes[i];
    if (s.duration_seconds || !s.start_seconds) continue;
    for (size_t j = i + 1; j < out_.scenes.size(); ++j) {
      if (!out_.scenes[j].start_seconds) continue;
      const double d = *out_.scenes[j].start_seconds - *s.start_seconds;
      if (d > 0 && d <= 3600) s.duration_seconds = d;
      break;
    }
  }
  if (!headings_mode_) {
    // Scenes opened for a label whose content went elsewhere.
    out_.scenes.erase(std::remove_if(out_.scenes.begin(), out_.scenes.end(),
                                     [](const ParsedScene& s) {
                                       return !SceneHasContent(s) && s.title.empty() &&
                                              !s.duration_seconds;
                                     }),
                      out_.scenes.end());
    SplitLongScene();
    MergeScenes();
  }
  for (size_t i = 0; i < out_.scenes.size(); ++i) {
    ParsedScene& s = out_.scenes[i];
    if (s.chart && s.chart->points.empty()) {
      s.notes.push_back(absl::StrCat("Chart: ", s.chart->title));
      s.chart.reset();
      LineWarning(absl::StrCat("scene ", i + 1,
                               ": the chart has no data points it could read; kept as a note"));
    }
  }
  if (out_.scenes.empty()) {
    out_.scenes.emplace_back();
    Warn("the treatment has no scene content; produced a single scene");
  }
  if (!pending_effects_.empty()) {
    auto& effects = out_.scenes.front().effects;
    effects.insert(effects.begin(), pending_effects_.begin(), pending_effects_.end());
    pending_effects_.clear();
  }
  if (suppressed_warnings_ > 0) {
    Warn(absl::StrCat("and ", suppressed_warnings_, " more lines kept as notes or adjusted"));
  }
}

}  // namespace

ParsedTreatment ParseTreatment(std::string_view text, const ParseOptions& options) {
  Parser parser(options);
  return parser.Run(text);
}

}  // namespace armature::manifest
