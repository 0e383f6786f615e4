#include "libs/manifest/sanitize.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"

namespace armature::manifest {
namespace {

constexpr std::string_view kUrlMark = "[url removed]";
constexpr std::string_view kSecretMark = "[secret removed]";

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsEdgePunctuation(char c) {
  return c == '(' || c == ')' || c == '[' || c == ']' || c == '<' || c == '>' || c == '"' ||
         c == '\'' || c == ',' || c == '.' || c == ';' || c == '!' || c == '?' || c == ':' ||
         c == '{' || c == '}' || c == '`';
}

// Token without surrounding punctuation: [begin, end) within `token`.
std::pair<size_t, size_t> Core(std::string_view token) {
  size_t b = 0;
  size_t e = token.size();
  while (b < e && IsEdgePunctuation(token[b])) ++b;
  while (e > b && IsEdgePunctuation(token[e - 1])) --e;
  return {b, e};
}

bool LooksLikeKey(std::string_view t) {
  struct Prefix {
    std::string_view prefix;
    size_t min_length;
  };
  static constexpr Prefix kPrefixes[] = {
      {"sk-", 20},         {"sk_live_", 16}, {"sk_test_", 16}, {"rk_live_", 16}, {"pk_live_", 16},
      {"ghp_", 20},        {"gho_", 20},     {"ghu_", 20},     {"ghs_", 20},     {"ghr_", 20},
      {"github_pat_", 20}, {"xoxb-", 15},    {"xoxp-", 15},    {"xoxa-", 15},    {"xoxr-", 15},
      {"glpat-", 20},      {"hf_", 20},      {"AIza", 30},     {"sk-ant-", 20},  {"gsk_", 20}};
  for (const Prefix& p : kPrefixes) {
    if (t.size() >= p.min_length && t.substr(0, p.prefix.size()) == p.prefix) return true;
  }
  if (t.size() == 20 && t.substr(0, 4) == "AKIA" && std::all_of(t.begin() + 4, t.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      })) {
    return true;
  }
  // JWT: three base64url parts.
  if (t.size() >= 30 && t.substr(0, 3) == "eyJ" && std::count(t.begin(), t.end(), '.') == 2)
    return true;
  if (t.size() >= 32 && std::all_of(t.begin(), t.end(), IsHex)) {
    return std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  if (t.size() >= 40) {
    bool digit = false;
    bool letter = false;
    for (char c : t) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (IsAlnum(c)) {
        letter = true;
      } else if (c != '+' && c != '/' && c != '=' && c != '_' && c != '-') {
        return false;
      }
    }
    return digit && letter;
  }
  return false;
}

// "password", "api_key", "token" ...: the value after it is a secret.
bool IsSecretKey(std::string_view key) {
  const std::string k = Lower(key);
  static constexpr std::string_view kKeys[] = {
      "password",     "passwd",        "pwd",         "secret",        "token",
      "api_key",      "apikey",        "api-key",     "access_key",    "access-key",
      "secret_key",   "secret-key",    "private_key", "client_secret", "auth_token",
      "access_token", "authorization", "bearer",      "passcode"};
  return std::find(std::begin(kKeys), std::end(kKeys), k) != std::end(kKeys);
}

size_t FindUrlStart(std::string_view token) {
  size_t best = std::string_view::npos;
  const size_t scheme = token.find("://");
  if (scheme != std::string_view::npos && scheme > 0) {
    size_t b = scheme;
    while (b > 0 && (IsAlnum(token[b - 1]) || token[b - 1] == '+' || token[b - 1] == '-' ||
                     token[b - 1] == '.'))
      --b;
    if (b < scheme) best = b;
  }
  for (std::string_view mark : {std::string_view("www."), std::string_view("WWW.")}) {
    const size_t w = token.find(mark);
    if (w != std::string_view::npos && (w == 0 || !IsAlnum(token[w - 1])) &&
        w + mark.size() < token.size()) {
      best = std::min(best, w);
    }
  }
  return best;
}

}  // namespace

SanitizedText SanitizeForLlm(std::string_view input) {
  SanitizedText out;
  const std::string text = CleanText(input);
  out.text.reserve(text.size());
  bool redact_next = false;
  std::string previous;  // lowercase core of the previous token
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      out.text.push_back(text[i]);
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && !IsSpace(text[i])) ++i;
    const std::string_view token = std::string_view(text).substr(start, i - start);
    const auto [b, e] = Core(token);
    const std::string_view core = token.substr(b, e - b);
    // A value after "password:" or "Bearer" ("Authorization: Bearer <token>" redacts the token).
    if (redact_next && (Lower(core) == "bearer" || Lower(core) == "basic")) {
      out.text.append(token);
      previous = Lower(core);
      continue;
    }
    if (redact_next && !core.empty()) {
      redact_next = false;
      out.text.append(token.substr(0, b));
      out.text.append(kSecretMark);
      out.text.append(token.substr(e));
      ++out.secrets_removed;
      previous = Lower(core);
      continue;
    }
    redact_next = false;
    // URLs.
    const size_t url = FindUrlStart(token);
    if (url != std::string_view::npos) {
      size_t url_end = token.size();
      while (url_end > url && IsEdgePunctuation(token[url_end - 1])) --url_end;
      out.text.append(token.substr(0, url));
      out.text.append(kUrlMark);
      out.text.append(token.substr(url_end));
      ++out.urls_removed;
      previous = Lower(core);
      continue;
    }
    // "password:hunter2", "api_key=abc", "token:" (value in the next token).
    const std::string_view led = token.substr(b);
    const size_t sep = led.find_first_of(":=");
    if (sep != std::string_view::npos && sep > 0 && IsSecretKey(led.substr(0, sep))) {
      const std::string_view rest = led.substr(sep + 1);
      const auto [vb, ve] = Core(rest);
      if (vb >= ve) {
        out.text.append(token);
        redact_next = true;
      } else {
        out.text.append(token.substr(0, b + sep + 1 + vb));
        out.text.append(kSecretMark);
        out.text.append(rest.substr(ve));
        ++out.secrets_removed;
      }
      previous = Lower(core);
      continue;
    }
    // "Bearer abc", "api key: abc"; "password is abc" is prose and stays.
    const std::string lower_core = Lower(core);
    if (lower_core == "bearer" ||
        (previous == "api" && (lower_core == "key" || lower_core == "token") &&
         token.back() == ':')) {
      out.text.append(token);
      redact_next = true;
      previous = lower_core;
      continue;
    }
    if (LooksLikeKey(core)) {
      out.text.append(token.substr(0, b));
      out.text.append(kSecretMark);
      out.text.append(token.substr(e));
      ++out.secrets_removed;
      previous = Lower(core);
      continue;
    }
    out.text.append(token);
    previous = lower_core;
  }
  if (out.urls_removed > 0) {
    out.warnings.push_back(absl::StrCat("removed ", out.urls_removed,
                                        " URL(s) from the treatment before the LLM call"));
  }
  if (out.secrets_removed > 0) {
    out.warnings.push_back(
        absl::StrCat("removed ", out.secrets_removed,
                     " secret-looking token(s) from the treatment before the LLM call"));
  }
  return out;
}

}  // namespace armature::manifest
