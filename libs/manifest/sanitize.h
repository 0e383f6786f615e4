#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace armature::manifest {

struct SanitizedText {
  // The text with URLs replaced by "[url removed]" and secrets by "[secret removed]".
  std::string text;
  // What was removed, as counts (never the removed text), for BuildManifestResponse.warnings.
  std::vector<std::string> warnings;
  int urls_removed = 0;
  int secrets_removed = 0;
};

// SanitizeForLlm strips what must not leave the service in an LLM prompt:
//   - URLs: "scheme://..." and "www...." (trailing punctuation kept);
//   - secret-looking tokens: API keys by their prefixes (sk-, sk_live_, pk_live_, rk_live_, ghp_,
//     gho_, github_pat_, xoxb-, glpat-, hf_, AKIA..., AIza...), JWTs (eyJ....), hex strings of 32+
//     characters, base64-like strings of 40+ characters mixing letters and digits, and the value
//     after "password:", "passwd=", "pwd:", "secret:", "token:", "api_key=", "api key:",
//     "authorization:", "Bearer".
// The text is made valid UTF-8 first. Linear in the input size.
SanitizedText SanitizeForLlm(std::string_view text);

}  // namespace armature::manifest
