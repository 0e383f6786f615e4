#include "bench/fixtures.h"

#include "absl/strings/str_cat.h"
#include "libs/manifest/text.h"

namespace armature::bench {

const std::string& Treatment2000Words() {
  static const std::string* const kText = [] {
    static constexpr const char* kSentences[] = {
        "Most teams spend hours every week cutting the same kind of clip by hand.",
        "Maya opens her laptop and sighs at the timeline full of raw footage.",
        "What if the tedious parts simply took care of themselves while you focused on the story?",
        "The assistant finds the best moments, trims the pauses and suggests captions "
        "automatically.",
        "Leo, her editor, reviews the draft on his phone during the train ride home.",
        "Every change is tracked, so nobody loses the version that the client actually approved.",
        "By Friday the campaign is live on three platforms with the right format for each one.",
    };
    std::string text =
        "# Ship videos faster\n\nStyle: clean, bright, modern office\nMusic: upbeat lo-fi "
        "throughout\n\n";
    for (int i = 0; i < 20; ++i) {
      absl::StrAppend(&text, "## Scene ", i + 1, " \xE2\x80\x94 Part ", i + 1,
                      i % 3 == 0 ? " (6s)" : "", "\n");
      std::string narration;
      for (int k = 0; k < 5; ++k) manifest::AppendWithSpace(narration, kSentences[(i + k) % 7]);
      absl::StrAppend(&text, "**Narration:** ", narration, "\n");
      absl::StrAppend(&text, "Visual: Maya at her desk with a coffee mug, scene ", i + 1,
                      ", soft morning light\n");
      if (i % 4 == 1) absl::StrAppend(&text, "B-roll: commuters on a busy train platform\n");
      if (i % 5 == 2)
        absl::StrAppend(&text, "Chart: Hours saved \xE2\x80\x94 Q1: 10, Q2: 14, Q3: 21, Q4: 30\n");
      if (i % 6 == 3) absl::StrAppend(&text, "SFX: whoosh\nTransition: quick zoom in\n");
      absl::StrAppend(&text, "On-screen text: \"Step ", i + 1, "\"\n\n");
    }
    absl::StrAppend(
        &text,
        "## Scene 21 \xE2\x80\x94 Call to action\nNarration: Try it today and sign up for free.\n");
    return new std::string(std::move(text));
  }();
  return *kText;
}

}  // namespace armature::bench
