#include "libs/manifest/parser.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace armature::manifest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;
using ::testing::SizeIs;

std::vector<std::string> Narrations(const ParsedTreatment& t) {
  std::vector<std::string> out;
  for (const ParsedScene& s : t.scenes) out.push_back(s.narration);
  return out;
}

std::vector<std::string> Titles(const ParsedTreatment& t) {
  std::vector<std::string> out;
  for (const ParsedScene& s : t.scenes) out.push_back(s.title);
  return out;
}

std::vector<std::string> VisualTexts(const ParsedScene& s) {
  std::vector<std::string> out;
  for (const ParsedVisual& v : s.visuals) out.push_back(v.description);
  return out;
}

bool AnyWarningContains(const ParsedTreatment& t, const std::string& text) {
  for (const std::string& w : t.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

// Style 1: Markdown scene headings with em dashes, durations in headings, bold labels.
TEST(ParseTreatmentTest, MarkdownScenesWithBoldLabels) {
  const ParsedTreatment t = ParseTreatment(R"(# Build a Vid

Style: cinematic, soft light
Music: upbeat lo-fi throughout

## Scene 1 — Hook (5s)
**Narration:** Did you know most teams waste 5 hours a week on video edits?
**Visual:** Maya at her desk, surrounded by sticky notes.
On-screen text: "5 hours lost"

## Scene 2: The Problem
VO: Editing eats your week.
B-roll: office workers typing
Chart: Hours lost per week — Q1: 10, Q2: 14, Q3: 18
SFX: clock ticking

## Scene 3 — Call to action
Narration: Try Armature today. Visit our site and sign up.
Visual: Maya smiling at her laptop
Transition: fade out
)");
  EXPECT_EQ(t.title, "Build a Vid");
  EXPECT_EQ(t.style, "cinematic, soft light");
  EXPECT_THAT(t.music, ElementsAre("upbeat lo-fi throughout"));
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(Titles(t), ElementsAre("Hook", "The Problem", "Call to action"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(5.0));
  EXPECT_FALSE(t.scenes[1].duration_seconds.has_value());
  EXPECT_THAT(
      Narrations(t),
      ElementsAre("Did you know most teams waste 5 hours a week on video edits?",
                  "Editing eats your week.", "Try Armature today. Visit our site and sign up."));
  EXPECT_THAT(VisualTexts(t.scenes[0]),
              ElementsAre("Maya at her desk, surrounded by sticky notes."));
  EXPECT_FALSE(t.scenes[0].visuals[0].stock);
  EXPECT_THAT(t.scenes[0].on_screen_text, ElementsAre("5 hours lost"));
  ASSERT_THAT(t.scenes[1].visuals, SizeIs(1));
  EXPECT_TRUE(t.scenes[1].visuals[0].stock);
  ASSERT_TRUE(t.scenes[1].chart.has_value());
  EXPECT_EQ(t.scenes[1].chart->title, "Hours lost per week");
  EXPECT_EQ(t.scenes[1].chart->points,
            (std::vector<ParsedChartPoint>{{"Q1", 10}, {"Q2", 14}, {"Q3", 18}}));
  EXPECT_THAT(t.scenes[1].sfx, ElementsAre("clock ticking"));
  EXPECT_THAT(t.scenes[2].effects, ElementsAre("fade out"));
  EXPECT_THAT(t.warnings, IsEmpty());
}

// Style 2: a screenplay with sluglines, action, character cues, dialogue and transitions.
TEST(ParseTreatmentTest, Screenplay) {
  const ParsedTreatment t = ParseTreatment(R"(FADE IN:

INT. OFFICE - DAY

Maya types furiously at her laptop.

MAYA
I can't keep editing these by hand.

NARRATOR (V.O.)
Every week, teams lose hours to manual edits.

CUT TO:

EXT. CITY ROOFTOP - NIGHT (10s)

Maya and Leo look over the skyline.

LEO
(grinning)
What if the edits made themselves?
)");
  ASSERT_THAT(t.scenes, SizeIs(2));
  EXPECT_THAT(Titles(t), ElementsAre("INT. OFFICE - DAY", "EXT. CITY ROOFTOP - NIGHT"));
  EXPECT_EQ(t.scenes[0].narration,
            "I can't keep editing these by hand. Every week, teams lose hours to manual edits.");
  EXPECT_THAT(VisualTexts(t.scenes[0]), ElementsAre("Maya types furiously at her laptop."));
  EXPECT_THAT(t.scenes[0].effects, ElementsAre("FADE IN:", "CUT TO:"));
  EXPECT_THAT(t.scenes[0].characters, ElementsAre("Maya"));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(10.0));
  EXPECT_EQ(t.scenes[1].narration, "What if the edits made themselves?");
  EXPECT_THAT(t.scenes[1].characters, ElementsAre("Leo"));
  EXPECT_THAT(t.scenes[1].notes, ElementsAre("(grinning)"));
}

// Style 3: a numbered list whose items carry the title, duration and narration inline.
TEST(ParseTreatmentTest, NumberedListWithInlineContent) {
  const ParsedTreatment t = ParseTreatment(R"(Our product video

1. Hook (5s): Did you know 90% of viewers drop off in the first 10 seconds?
2. Problem — Long intros bore people.
   Visual: a yawning audience
3. Solution (0:20): Start with the payoff.
4. CTA: Subscribe for more tips!
)");
  EXPECT_EQ(t.title, "Our product video");
  ASSERT_THAT(t.scenes, SizeIs(4));
  EXPECT_THAT(Titles(t), ElementsAre("Hook", "Problem", "Solution", "CTA"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(5.0));
  EXPECT_THAT(t.scenes[2].duration_seconds, Optional(20.0));
  EXPECT_THAT(Narrations(t),
              ElementsAre("Did you know 90% of viewers drop off in the first 10 seconds?",
                          "Long intros bore people.", "Start with the payoff.",
                          "Subscribe for more tips!"));
  EXPECT_THAT(VisualTexts(t.scenes[1]), ElementsAre("a yawning audience"));
}

// Style 4: numbered items that only name the scene, with labelled lines below.
TEST(ParseTreatmentTest, NumberedHeadingsWithLabelsBelow) {
  const ParsedTreatment t = ParseTreatment(R"(1. Opening
   Narration: Welcome back to the channel.
   Visual: Host waving at the camera
2) The recipe
   Narration: Today we bake bread.
   Duration: 0:12
)");
  ASSERT_THAT(t.scenes, SizeIs(2));
  EXPECT_THAT(Titles(t), ElementsAre("Opening", "The recipe"));
  EXPECT_THAT(Narrations(t), ElementsAre("Welcome back to the channel.", "Today we bake bread."));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(12.0));
}

// Style 5: one paragraph and no headings at all: cut into scenes at sentence boundaries.
TEST(ParseTreatmentTest, NoHeadingsOneLongParagraph) {
  const std::string text =
      "Most people think video editing takes forever. It doesn't have to. With the right tools, "
      "you can "
      "cut a polished clip in minutes. Start by picking your best footage. Then let the software "
      "find the "
      "highlights for you. Add captions automatically so viewers can follow along without sound. "
      "Finally, "
      "export in the right format for every platform at once. That's it: three steps, five "
      "minutes, and "
      "your video is ready to share. Try it today and see how much time you save.";
  const ParsedTreatment t = ParseTreatment(text);
  ASSERT_THAT(t.scenes, SizeIs(2));
  // Nothing is lost: the scenes together read the whole text.
  EXPECT_EQ(t.scenes[0].narration + " " + t.scenes[1].narration, text);
  EXPECT_THAT(t.scenes[0].narration, ::testing::StartsWith("Most people think"));
  EXPECT_THAT(t.scenes[1].narration, ::testing::EndsWith("how much time you save."));
}

// Style 6: paragraphs separated by blank lines, no headings: one scene per paragraph.
TEST(ParseTreatmentTest, NoHeadingsParagraphsBecomeScenes) {
  const ParsedTreatment t = ParseTreatment(
      "Meet Leo, a busy chef.\n\nLeo never has time to film his recipes.\n\n"
      "Now Leo records once and lets the app edit.\n");
  EXPECT_THAT(Narrations(t),
              ElementsAre("Meet Leo, a busy chef.", "Leo never has time to film his recipes.",
                          "Now Leo records once and lets the app edit."));
  EXPECT_THAT(Titles(t), ElementsAre("", "", ""));
}

// Style 7: labelled blocks without headings: a repeated label starts the next scene.
TEST(ParseTreatmentTest, NoHeadingsLabelledBlocks) {
  const ParsedTreatment t = ParseTreatment(R"(Narration: Meet Leo, a busy chef.
Visual: Leo chopping onions in a tiny kitchen.
Narration: Leo never has time to film his recipes.
Visual: Leo glancing at his phone.

Narration: Now Leo records once and lets the app edit.
Visual: Leo smiling with the phone on a tripod.
Music: upbeat jazz
)");
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(VisualTexts(t.scenes[1]), ElementsAre("Leo glancing at his phone."));
  EXPECT_EQ(t.scenes[2].narration, "Now Leo records once and lets the app edit.");
  EXPECT_THAT(t.scenes[2].music, ElementsAre("upbeat jazz"));
}

// Style 8: timecoded headings; start times give the durations, a range gives its span.
TEST(ParseTreatmentTest, TimecodeHeadings) {
  const ParsedTreatment t = ParseTreatment(R"([0:00-0:05] Hook
VO: Stop scrolling.
[0:05] The problem
Narration: Your videos are too long.
Visual: a stopwatch ticking
[0:25] The fix
Narration: Cut to the chase.
[0:40] Outro
Narration: Follow for more.
)");
  ASSERT_THAT(t.scenes, SizeIs(4));
  EXPECT_THAT(Titles(t), ElementsAre("Hook", "The problem", "The fix", "Outro"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(5.0));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(20.0));
  EXPECT_THAT(t.scenes[2].duration_seconds, Optional(15.0));
  EXPECT_FALSE(t.scenes[3].duration_seconds.has_value());
  EXPECT_THAT(t.scenes[3].start_seconds, Optional(40.0));
  EXPECT_EQ(t.scenes[3].narration, "Follow for more.");
}

// Style 9: a Markdown table with named columns; "<br>" separates items in a cell.
TEST(ParseTreatmentTest, MarkdownTable) {
  const ParsedTreatment t = ParseTreatment(R"(# Quarterly update

| Scene | Time | Narration | Visual | On-screen text |
|---|---|---|---|---|
| 1 | 0:00-0:06 | Welcome to our Q3 update. | Logo reveal | Q3 2024 |
| 2 | 8s | Revenue grew again. | Bar chart of revenue | +40% |
| 3 | | Thanks for watching! | Team photo<br>Confetti | Subscribe |
)");
  EXPECT_EQ(t.title, "Quarterly update");
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(Titles(t), ElementsAre("Scene 1", "Scene 2", "Scene 3"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(6.0));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(8.0));
  EXPECT_THAT(Narrations(t), ElementsAre("Welcome to our Q3 update.", "Revenue grew again.",
                                         "Thanks for watching!"));
  EXPECT_THAT(VisualTexts(t.scenes[2]), ElementsAre("Team photo", "Confetti"));
  EXPECT_THAT(t.scenes[1].on_screen_text, ElementsAre("+40%"));
}

// Style 10: bold scene markers, a label alone over a bullet list, italic labels, dash labels,
// a bare "Scene 3:" and a total duration before the first scene.
TEST(ParseTreatmentTest, BoldMarkersBlockLabelsAndMixedLabels) {
  const ParsedTreatment t = ParseTreatment(R"(Title: Morning Routine
Duration: 45 seconds

**Scene 1**
**Visuals:**
- Sunrise over the city
- Close-up of a coffee mug

**Narration:**
Every great day starts with a plan.

**Scene 2 (10 sec)**
*VO:* Write down three goals.
Shot: hand writing in a notebook
Music - gentle piano

Scene 3:
Caption: "Start today"
V.O. — Your future self will thank you.
Sound: birds chirping
Data: Productivity 2022=40, 2023=55, 2024=70
)");
  EXPECT_EQ(t.title, "Morning Routine");
  EXPECT_THAT(t.total_duration_seconds, Optional(45.0));
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(VisualTexts(t.scenes[0]),
              ElementsAre("Sunrise over the city", "Close-up of a coffee mug"));
  EXPECT_EQ(t.scenes[0].narration, "Every great day starts with a plan.");
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(10.0));
  EXPECT_EQ(t.scenes[1].narration, "Write down three goals.");
  EXPECT_THAT(VisualTexts(t.scenes[1]), ElementsAre("hand writing in a notebook"));
  EXPECT_THAT(t.scenes[1].music, ElementsAre("gentle piano"));
  EXPECT_EQ(t.scenes[2].narration, "Your future self will thank you.");
  EXPECT_THAT(t.scenes[2].on_screen_text, ElementsAre("Start today"));
  EXPECT_THAT(t.scenes[2].sfx, ElementsAre("birds chirping"));
  ASSERT_TRUE(t.scenes[2].chart.has_value());
  EXPECT_EQ(t.scenes[2].chart->title, "Productivity");
  EXPECT_EQ(t.scenes[2].chart->points,
            (std::vector<ParsedChartPoint>{{"2022", 40}, {"2023", 55}, {"2024", 70}}));
}

// Style 11: ad-style section words ("HOOK (0-3s):") as scene markers.
TEST(ParseTreatmentTest, SectionWordHeadings) {
  const ParsedTreatment t = ParseTreatment(R"(HOOK (0-3s): Stop wasting your mornings.
PROBLEM (3-15s): You check your phone first and lose an hour.
Visual: phone screen glowing in a dark bedroom
SOLUTION: Put the phone in another room.
CTA — Follow for a new habit every week.
)");
  ASSERT_THAT(t.scenes, SizeIs(4));
  EXPECT_THAT(Titles(t), ElementsAre("HOOK", "PROBLEM", "SOLUTION", "CTA"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(3.0));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(12.0));
  EXPECT_THAT(
      Narrations(t),
      ElementsAre("Stop wasting your mornings.", "You check your phone first and lose an hour.",
                  "Put the phone in another room.", "Follow for a new habit every week."));
  EXPECT_THAT(VisualTexts(t.scenes[1]), ElementsAre("phone screen glowing in a dark bedroom"));
}

// Style 12: Markdown headings without the word "scene", a title, and meta sections.
TEST(ParseTreatmentTest, PlainMarkdownHeadingsAndMetaSections) {
  const ParsedTreatment t = ParseTreatment(R"(# Saving Water

## Logline
A short explainer on saving water at home.

## Characters
- Ana: a curious kid
- Grandpa Joe

## Opening
Water is precious.

## Tips at home (20s)
Turn off the tap while brushing.
Visual: a dripping tap

## Wrap-up
Every drop counts. Share this video!
)");
  EXPECT_EQ(t.title, "Saving Water");
  EXPECT_THAT(t.notes, ElementsAre("A short explainer on saving water at home."));
  EXPECT_THAT(t.characters, ElementsAre("Ana", "Grandpa Joe"));
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(Titles(t), ElementsAre("Opening", "Tips at home", "Wrap-up"));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(20.0));
  EXPECT_THAT(Narrations(t), ElementsAre("Water is precious.", "Turn off the tap while brushing.",
                                         "Every drop counts. Share this video!"));
}

// Style 13: messy real-world text: inconsistent case, number words, en dashes, bullets, emoji,
// unknown labels (kept as notes with a warning), stage directions and timecode durations.
TEST(ParseTreatmentTest, MessyRealWorldTreatment) {
  const ParsedTreatment t = ParseTreatment(
      "SCENE ONE – intro\n"
      "  - narrator: hey folks 👋 welcome back!!\n"
      "  - visual : drone shot of the coast\n"
      "  - Emotion: excited\n"
      "  - Props: surfboard\n"
      "(beat)\n"
      "\n"
      "scene 2:\n"
      "duration - 0:07\n"
      "voiceover: the waves were huge today\n"
      "B roll: surfers paddling out\n"
      "Camera angle low: shaky footage\n");
  ASSERT_THAT(t.scenes, SizeIs(2));
  EXPECT_THAT(Titles(t), ElementsAre("intro", "scene 2"));
  EXPECT_EQ(t.scenes[0].narration, "hey folks 👋 welcome back!!");
  EXPECT_THAT(VisualTexts(t.scenes[0]), ElementsAre("drone shot of the coast"));
  EXPECT_THAT(t.scenes[0].notes, ElementsAre("Emotion: excited", "(beat)"));
  EXPECT_THAT(t.props, ElementsAre("surfboard"));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(7.0));
  EXPECT_EQ(t.scenes[1].narration, "the waves were huge today Camera angle low: shaky footage");
  ASSERT_THAT(t.scenes[1].visuals, SizeIs(1));
  EXPECT_TRUE(t.scenes[1].visuals[0].stock);
  // "Camera angle low: ..." is not a known label: it stays as narration text, not dropped.
  EXPECT_THAT(t.scenes[1].notes, IsEmpty());
}

// Style 18: a YouTube script: a title label, bare section words, numbered tips naming
// themselves, bracketed directions, B-roll and on-screen text in capitals.
TEST(ParseTreatmentTest, YouTubeScriptWithNumberedTips) {
  const ParsedTreatment t = ParseTreatment(R"(TITLE: 5 Tips for Better Sleep

INTRO
[Host on camera, cozy bedroom]
Hey everyone, welcome back! Tonight we're talking sleep.

TIP 1: Keep a schedule
B-ROLL: alarm clock on a nightstand
Go to bed at the same time every night.

TIP 2: Ditch the screens
ON SCREEN: "Blue light = bad"
Your phone keeps your brain awake.

OUTRO
Thanks for watching, subscribe for more!
)");
  EXPECT_EQ(t.title, "5 Tips for Better Sleep");
  ASSERT_THAT(t.scenes, SizeIs(4));
  EXPECT_THAT(Titles(t),
              ElementsAre("INTRO", "TIP 1: Keep a schedule", "TIP 2: Ditch the screens", "OUTRO"));
  EXPECT_THAT(Narrations(t), ElementsAre("Hey everyone, welcome back! Tonight we're talking sleep.",
                                         "Go to bed at the same time every night.",
                                         "Your phone keeps your brain awake.",
                                         "Thanks for watching, subscribe for more!"));
  EXPECT_THAT(t.scenes[0].notes, ElementsAre("[Host on camera, cozy bedroom]"));
  ASSERT_THAT(t.scenes[1].visuals, SizeIs(1));
  EXPECT_TRUE(t.scenes[1].visuals[0].stock);
  EXPECT_THAT(t.scenes[2].on_screen_text, ElementsAre("Blue light = bad"));
}

// Style 19: a one-line-per-section brief: bold section labels with time ranges, several fields
// on one line, pipe-separated settings and a bold title.
TEST(ParseTreatmentTest, BoldSectionsWithInlineFields) {
  const ParsedTreatment t = ParseTreatment(R"(**Video Treatment: "Green Commute"**
Length: 30s | Format: 9:16

**Hook (0-3s):** A cyclist zips past a traffic jam.
**Problem (3-10s):** Narrator: "Stuck again?"
**Solution (10-25s):** Show the app planning a bike route. Text overlay: "Save 20 min a day"
**CTA (25-30s):** "Download GreenCommute today."
)");
  EXPECT_EQ(t.title, "Video Treatment: \"Green Commute\"");
  EXPECT_THAT(t.total_duration_seconds, Optional(30.0));
  EXPECT_THAT(t.notes, ElementsAre("Format: 9:16"));
  ASSERT_THAT(t.scenes, SizeIs(4));
  EXPECT_THAT(Titles(t), ElementsAre("Hook", "Problem", "Solution", "CTA"));
  EXPECT_THAT(t.scenes[0].duration_seconds, Optional(3.0));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(7.0));
  EXPECT_THAT(t.scenes[2].duration_seconds, Optional(15.0));
  EXPECT_THAT(t.scenes[3].duration_seconds, Optional(5.0));
  EXPECT_THAT(Narrations(t),
              ElementsAre("A cyclist zips past a traffic jam.", "Stuck again?",
                          "Show the app planning a bike route.", "Download GreenCommute today."));
  EXPECT_THAT(t.scenes[2].on_screen_text, ElementsAre("Save 20 min a day"));
}

// Several labelled fields on one line, after the end of a sentence.
TEST(ParseTreatmentTest, InlineLabelsAfterASentence) {
  const ParsedTreatment t = ParseTreatment(
      "Scene 1: Narration: Meet Ana. Visual: a girl with a kite. Music: light strings\n");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_EQ(t.scenes[0].narration, "Meet Ana.");
  EXPECT_THAT(VisualTexts(t.scenes[0]), ElementsAre("a girl with a kite."));
  EXPECT_THAT(t.scenes[0].music, ElementsAre("light strings"));
}

// A line that looks like an unknown label is kept as a note, with a warning naming it.
TEST(ParseTreatmentTest, UnknownLabelBecomesNoteWithWarning) {
  const ParsedTreatment t = ParseTreatment("## Scene 1\nNarration: Hello.\nWardrobe: red jacket\n");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_THAT(t.scenes[0].notes, ElementsAre("Wardrobe: red jacket"));
  EXPECT_TRUE(AnyWarningContains(t, "Wardrobe: red jacket"));
  EXPECT_TRUE(AnyWarningContains(t, "unknown label"));
}

// Style 14: slides of an explainer deck.
TEST(ParseTreatmentTest, SlideDeck) {
  const ParsedTreatment t = ParseTreatment(R"(Slide 1 | What is DNS?
Narration: DNS turns names into addresses.
Slide 2 | How a lookup works - 15s
Narration: Your computer asks a resolver.
Graphic: arrows between computer, resolver and root server
)");
  ASSERT_THAT(t.scenes, SizeIs(2));
  EXPECT_THAT(Titles(t), ElementsAre("What is DNS?", "How a lookup works"));
  EXPECT_THAT(t.scenes[1].duration_seconds, Optional(15.0));
  EXPECT_THAT(VisualTexts(t.scenes[1]),
              ElementsAre("arrows between computer, resolver and root server"));
}

// Style 15: paragraphs separated by horizontal rules rather than headings.
TEST(ParseTreatmentTest, HorizontalRulesSeparateScenes) {
  const ParsedTreatment t = ParseTreatment(
      "Visual: empty stadium at dawn\nThe season starts today.\n---\nVisual: fans pouring in\nSMS: "
      "tickets sold out\n"
      "***\nThe crowd roars.\n");
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(Narrations(t), ElementsAre("The season starts today.", "", "The crowd roars."));
  EXPECT_THAT(VisualTexts(t.scenes[1]), ElementsAre("fans pouring in"));
  EXPECT_THAT(t.scenes[1].notes, ElementsAre("SMS: tickets sold out"));
}

// Style 16: a preamble logline before the scenes is kept as a treatment note, with a warning.
TEST(ParseTreatmentTest, PreambleProseIsKeptAsNote) {
  const ParsedTreatment t =
      ParseTreatment(R"(This is a 30 second spot about our new bike lights, aimed at commuters.
It should feel safe and modern.

Scene 1: Night ride
Narration: Be seen.
)");
  EXPECT_THAT(t.notes,
              ElementsAre("This is a 30 second spot about our new bike lights, aimed at commuters.",
                          "It should feel safe and modern."));
  EXPECT_TRUE(AnyWarningContains(t, "before the first scene"));
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_EQ(t.scenes[0].narration, "Be seen.");
}

// Style 17: chart data on the lines below a "Chart:" label, and a line chart kind.
TEST(ParseTreatmentTest, ChartBlockAndKind) {
  const ParsedTreatment t = ParseTreatment(R"(## Scene 1
Line chart: Monthly users
Jan 10
Feb 12.5
Mar 1,200
Narration: Growth took off in March.
)");
  ASSERT_THAT(t.scenes, SizeIs(1));
  ASSERT_TRUE(t.scenes[0].chart.has_value());
  EXPECT_EQ(t.scenes[0].chart->kind, "line");
  EXPECT_EQ(t.scenes[0].chart->title, "Monthly users");
  EXPECT_EQ(t.scenes[0].chart->points,
            (std::vector<ParsedChartPoint>{{"Jan", 10}, {"Feb", 12.5}, {"Mar", 1200}}));
  EXPECT_EQ(t.scenes[0].narration, "Growth took off in March.");
}

// A chart label without readable data is kept as a note with a warning, not dropped.
TEST(ParseTreatmentTest, ChartWithoutDataBecomesNote) {
  const ParsedTreatment t =
      ParseTreatment("## Scene 1\nChart: growth over the years\nNarration: We grew.\n");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_FALSE(t.scenes[0].chart.has_value());
  EXPECT_THAT(t.scenes[0].notes, ElementsAre("Chart: growth over the years"));
  EXPECT_TRUE(AnyWarningContains(t, "no data points"));
}

// Scene headings nested under grouping headings ("## Act 1 / ### Scene 1").
TEST(ParseTreatmentTest, NestedActsAndScenes) {
  const ParsedTreatment t = ParseTreatment(R"(# The Heist
## Act 1
### Scene 1 - The plan
Narration: They had one night.
### Scene 2 - The vault
Narration: The lock clicked.
## Act 2
### Scene 3 - The escape
Narration: Sirens everywhere.
)");
  EXPECT_EQ(t.title, "The Heist");
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_THAT(Titles(t), ElementsAre("The plan", "The vault", "The escape"));
  // The act headings are kept as notes (of the preamble and of scene 2).
  EXPECT_THAT(t.notes, ElementsAre("Act 1"));
  EXPECT_THAT(t.scenes[1].notes, ElementsAre("Act 2"));
}

TEST(ParseTreatmentTest, PlainParagraphsUnderHeadingsAreNarration) {
  const ParsedTreatment t =
      ParseTreatment("## Scene 1\nFirst line\nof one paragraph.\n\nSecond paragraph.\n");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_EQ(t.scenes[0].narration, "First line of one paragraph. Second paragraph.");
}

TEST(ParseTreatmentTest, SceneKeywordInsideProseIsNotAHeading) {
  const ParsedTreatment t = ParseTreatment("## Scene 1\nScene 1 shows the laptop closing.\n");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_EQ(t.scenes[0].narration, "Scene 1 shows the laptop closing.");
}

TEST(ParseTreatmentTest, ScenesPastTheLimitAreKeptAsNotes) {
  std::string text;
  for (int i = 1; i <= 5; ++i)
    text += "Scene " + std::to_string(i) + ":\nNarration: line " + std::to_string(i) + "\n";
  ParseOptions options;
  options.max_scenes = 3;
  const ParsedTreatment t = ParseTreatment(text, options);
  ASSERT_THAT(t.scenes, SizeIs(3));
  EXPECT_EQ(t.scenes[2].narration, "line 3 line 4 line 5");
  EXPECT_THAT(t.scenes[2].notes, ElementsAre("Scene 4:", "Scene 5:"));
  EXPECT_TRUE(AnyWarningContains(t, "more than 3 scenes"));
}

TEST(ParseTreatmentTest, VisualsPastTheLimitAreKeptAsNotes) {
  ParseOptions options;
  options.max_visuals_per_scene = 2;
  const ParsedTreatment t =
      ParseTreatment("## Scene 1\nVisual: a\nVisual: b\nVisual: c\n", options);
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_THAT(VisualTexts(t.scenes[0]), ElementsAre("a", "b"));
  EXPECT_THAT(t.scenes[0].notes, ElementsAre("Visual: c"));
  EXPECT_FALSE(t.warnings.empty());
}

TEST(ParseTreatmentTest, ManyParagraphsWithoutHeadingsAreGrouped) {
  std::string text;
  for (int i = 1; i <= 30; ++i) text += "Paragraph number " + std::to_string(i) + ".\n\n";
  const ParsedTreatment t = ParseTreatment(text);
  ASSERT_THAT(t.scenes, SizeIs(12));
  EXPECT_EQ(t.scenes[0].narration, "Paragraph number 1. Paragraph number 2.");
  EXPECT_THAT(t.scenes[11].narration, ::testing::EndsWith("Paragraph number 30."));
  EXPECT_TRUE(AnyWarningContains(t, "grouped into 12 scenes"));
}

TEST(ParseTreatmentTest, InvalidUtf8AndControlCharactersAreCleaned) {
  const ParsedTreatment t = ParseTreatment(
      std::string("## Scene 1\nNarration: caf\xC3\xA9 \xFF\xFE ok\x01\x07 done\r\n"));
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_EQ(t.scenes[0].narration, "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD ok done");
  EXPECT_TRUE(AnyWarningContains(t, "invalid UTF-8"));
}

TEST(ParseTreatmentTest, EmptyishInputStillYieldsOneScene) {
  const ParsedTreatment t = ParseTreatment("# Only a title\n");
  EXPECT_EQ(t.title, "Only a title");
  ASSERT_THAT(t.scenes, SizeIs(1));
  EXPECT_TRUE(AnyWarningContains(t, "no scene content"));
}

TEST(ParseTreatmentTest, PathologicalInputsFinish) {
  // One huge line, many headings, deep nesting of brackets and separators: all must return.
  const std::string huge(200'000, 'a');
  EXPECT_THAT(ParseTreatment(huge).scenes, SizeIs(1));
  std::string headings;
  for (int i = 0; i < 20'000; ++i) headings += "Scene 1:\n";
  const ParsedTreatment many = ParseTreatment(headings);
  EXPECT_THAT(many.scenes, SizeIs(200));
  std::string brackets(50'000, '(');
  brackets += std::string(50'000, ':');
  EXPECT_THAT(ParseTreatment(brackets).scenes, SizeIs(1));
  std::string table;
  for (int i = 0; i < 5'000; ++i) table += "| a | b |\n";
  EXPECT_FALSE(ParseTreatment(table).scenes.empty());
  std::string commas = "Chart: " + std::string(60'000, ',');
  EXPECT_FALSE(ParseTreatment(commas).scenes.empty());
}

TEST(ParseTreatmentTest, IsDeterministic) {
  const std::string text = "## Scene 1 (5s)\nVO: a\nVisual: b\n\n## Scene 2\nChart: Q1: 1, Q2: 2\n";
  EXPECT_EQ(ParseTreatment(text), ParseTreatment(text));
}

TEST(ParseDurationTextTest, ReadsCommonForms) {
  EXPECT_THAT(ParseDurationText("5s"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("5 sec"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("5 seconds."), Optional(5.0));
  EXPECT_THAT(ParseDurationText("1.5 minutes"), Optional(90.0));
  EXPECT_THAT(ParseDurationText("1m30s"), Optional(90.0));
  EXPECT_THAT(ParseDurationText("1 min 30"), Optional(90.0));
  EXPECT_THAT(ParseDurationText("0:05"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("1:02:03"), Optional(3723.0));
  EXPECT_THAT(ParseDurationText("~5s"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("approx. 10 seconds"), Optional(10.0));
  EXPECT_THAT(ParseDurationText("7"), Optional(7.0));
  EXPECT_THAT(ParseDurationText("0:00-0:05"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("0-5s"), Optional(5.0));
  EXPECT_THAT(ParseDurationText("10 to 25 s"), Optional(15.0));
  EXPECT_THAT(ParseDurationText("5-7 seconds"), Optional(6.0));
}

TEST(ParseDurationTextTest, RejectsEverythingElse) {
  EXPECT_EQ(ParseDurationText(""), std::nullopt);
  EXPECT_EQ(ParseDurationText("soon"), std::nullopt);
  EXPECT_EQ(ParseDurationText("0s"), std::nullopt);
  EXPECT_EQ(ParseDurationText("-5s"), std::nullopt);
  EXPECT_EQ(ParseDurationText("5 parsecs"), std::nullopt);
  EXPECT_EQ(ParseDurationText("0:75"), std::nullopt);
  EXPECT_EQ(ParseDurationText("9-3s"), std::nullopt);
  EXPECT_EQ(ParseDurationText("1:2:3:4"), std::nullopt);
}

TEST(ParseChartTextTest, ReadsCommonForms) {
  std::optional<ParsedChart> c = ParseChartText("Q1: 10, Q2: 14");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->kind, "bar");
  EXPECT_EQ(c->title, "");
  EXPECT_EQ(c->points, (std::vector<ParsedChartPoint>{{"Q1", 10}, {"Q2", 14}}));

  c = ParseChartText("Revenue 2021=3, 2022=5");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->title, "Revenue");
  EXPECT_EQ(c->points, (std::vector<ParsedChartPoint>{{"2021", 3}, {"2022", 5}}));

  c = ParseChartText("Pie chart of market share: Us 45%, Them $1.2M; Others 1,500");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->kind, "pie");
  EXPECT_EQ(c->title, "Pie chart of market share");
  EXPECT_EQ(c->points,
            (std::vector<ParsedChartPoint>{{"Us", 45}, {"Them", 1.2e6}, {"Others", 1500}}));
}

TEST(ParseChartTextTest, RejectsProse) {
  EXPECT_EQ(ParseChartText("growth over the years"), std::nullopt);
  EXPECT_EQ(ParseChartText(""), std::nullopt);
  EXPECT_EQ(ParseChartText("we grew a lot in the first year and then again"), std::nullopt);
}

}  // namespace
}  // namespace armature::manifest
