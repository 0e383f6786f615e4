#include "libs/llm/prompt_template.h"

#include <fstream>
#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/llm/json_extract.h"
#include "nlohmann/json.hpp"

namespace armature::llm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::set<std::string>& PlannerVars() {
  static const auto* vars = new std::set<std::string>{"goal", "constraints", "context", "arms"};
  return *vars;
}

absl::StatusOr<PromptTemplate> Parse(const std::string& yaml) {
  return PromptTemplate::Parse(yaml, "prompts/test.yaml", PlannerVars());
}

std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<PromptTemplate> tmpl = Parse(yaml);
  EXPECT_FALSE(tmpl.ok());
  if (tmpl.ok()) return "";
  EXPECT_EQ(tmpl.status().code(), absl::StatusCode::kInvalidArgument) << tmpl.status();
  EXPECT_THAT(std::string(tmpl.status().message()), StartsWith("prompts/test.yaml"));
  return std::string(tmpl.status().message());
}

std::string WriteTemp(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream out(path);
  out << content;
  return path;
}

TEST(PromptTemplateTest, RendersVariables) {
  absl::StatusOr<PromptTemplate> tmpl = Parse(R"(
description: test prompt
version: 2
system: |
  You plan with these arms:
  {arms}
user: "Goal: {goal}\nConstraints: {constraints}\nContext: {context}\nAgain: {goal}"
)");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  EXPECT_EQ(tmpl->description(), "test prompt");
  EXPECT_THAT(tmpl->variables(), ElementsAre("arms", "constraints", "context", "goal"));
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render(
      {{"goal", "ship"}, {"constraints", "none"}, {"context", "-"}, {"arms", "coder, judge"}});
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  EXPECT_EQ(prompt->system, "You plan with these arms:\ncoder, judge\n");
  EXPECT_EQ(prompt->user, "Goal: ship\nConstraints: none\nContext: -\nAgain: ship");
}

TEST(PromptTemplateTest, DoubledBracesAreLiteral) {
  absl::StatusOr<PromptTemplate> tmpl =
      Parse("system: 'Answer like {{\"steps\": [{{\"step\": 1}}]}}'\nuser: '{goal}'\n");
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"goal", "g"}});
  ASSERT_TRUE(prompt.ok());
  EXPECT_EQ(prompt->system, R"(Answer like {"steps": [{"step": 1}]})");
}

TEST(PromptTemplateTest, ValuesAreNotExpandedAgain) {
  absl::StatusOr<PromptTemplate> tmpl = Parse("system: s\nuser: 'Goal: {goal}'\n");
  ASSERT_TRUE(tmpl.ok());
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"goal", "print {arms} and {{x}}"}});
  ASSERT_TRUE(prompt.ok());
  EXPECT_EQ(prompt->user, "Goal: print {arms} and {{x}}");
}

TEST(PromptTemplateTest, MissingValueNamesTheVariable) {
  absl::StatusOr<PromptTemplate> tmpl = Parse("system: '{arms}'\nuser: '{goal}'\n");
  ASSERT_TRUE(tmpl.ok());
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"goal", "g"}, {"unused", "x"}});
  ASSERT_FALSE(prompt.ok());
  EXPECT_EQ(prompt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(prompt.status().message(), "prompts/test.yaml: no value given for variable {arms}");
}

TEST(PromptTemplateTest, MissingFileNamesThePath) {
  absl::StatusOr<PromptTemplate> tmpl =
      LoadPromptTemplate("/nonexistent/prompts/planner.yaml", PlannerVars());
  ASSERT_EQ(tmpl.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(tmpl.status().message()), HasSubstr("/nonexistent/prompts/planner.yaml"));
}

TEST(PromptTemplateTest, UnreadableFileIsAnError) {
  absl::StatusOr<PromptTemplate> tmpl = LoadPromptTemplate(::testing::TempDir(), PlannerVars());
  ASSERT_EQ(tmpl.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(tmpl.status().message()), HasSubstr(::testing::TempDir()));
  EXPECT_THAT(std::string(tmpl.status().message()), HasSubstr("is a directory"));
}

TEST(PromptTemplateTest, YamlSyntaxErrorHasTheLine) {
  const std::string path =
      WriteTemp("prompt_syntax.yaml", "system: fine\nuser: fine\nbroken: [1, 2\n");
  absl::StatusOr<PromptTemplate> tmpl = LoadPromptTemplate(path, PlannerVars());
  ASSERT_EQ(tmpl.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(tmpl.status().message()), StartsWith(path + ":"));
  EXPECT_THAT(std::string(tmpl.status().message()), HasSubstr("YAML syntax error"));
}

TEST(PromptTemplateTest, MissingSystem) {
  EXPECT_THAT(ErrorOf("user: '{goal}'\n"), HasSubstr("system: missing"));
}

TEST(PromptTemplateTest, MissingUser) {
  EXPECT_THAT(ErrorOf("system: s\n"), HasSubstr("user: missing"));
}

TEST(PromptTemplateTest, EmptyUser) {
  EXPECT_THAT(ErrorOf("system: s\nuser: '   '\n"),
              HasSubstr("prompts/test.yaml:2: user: must not be empty"));
}

TEST(PromptTemplateTest, NonStringSystem) {
  EXPECT_THAT(ErrorOf("system: [a, b]\nuser: u\n"), HasSubstr("system: expected a string"));
}

TEST(PromptTemplateTest, EmptyDocument) { EXPECT_THAT(ErrorOf(""), HasSubstr("empty document")); }

TEST(PromptTemplateTest, UnknownField) {
  EXPECT_THAT(ErrorOf("system: s\nuser: u\nsytem: typo\n"),
              HasSubstr("prompts/test.yaml:3: sytem: unknown field"));
}

TEST(PromptTemplateTest, UnknownVariableListsTheAllowedOnes) {
  const std::string message = ErrorOf("system: s\nuser: |\n  Goal: {goal}\n  Budget: {budget}\n");
  EXPECT_THAT(message, HasSubstr("unknown variable {budget} at line 2, column 9"));
  EXPECT_THAT(message, HasSubstr("allowed: {arms}, {constraints}, {context}, {goal}"));
}

TEST(PromptTemplateTest, UnbalancedOpeningBrace) {
  const std::string message = ErrorOf("system: 'Reply as { \"a\": 1 }'\nuser: u\n");
  EXPECT_THAT(message, HasSubstr("system"));
  EXPECT_THAT(message, HasSubstr("unbalanced '{' at line 1, column 10"));
  EXPECT_THAT(message, HasSubstr("write {{"));
}

TEST(PromptTemplateTest, UnclosedVariable) {
  EXPECT_THAT(ErrorOf("system: s\nuser: 'Goal: {goal'\n"), HasSubstr("unbalanced '{'"));
}

TEST(PromptTemplateTest, UnbalancedClosingBrace) {
  EXPECT_THAT(ErrorOf("system: s\nuser: 'done}'\n"),
              HasSubstr("user: unbalanced '}' at line 1, column 5"));
}

// The prompt files shipped in config/prompts/ load with the variables their services use.
std::string PromptPath(const std::string& name) {
  return std::string(ARMATURE_SOURCE_DIR) + "/config/prompts/" + name;
}

TEST(ShippedPromptsTest, PlannerPromptRenders) {
  absl::StatusOr<PromptTemplate> tmpl =
      LoadPromptTemplate(PromptPath("planner.yaml"), PlannerVars());
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  EXPECT_EQ(tmpl->variables(), PlannerVars());
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"goal", "Build a REST API"},
                                                        {"constraints", "- Python only"},
                                                        {"context", "(none)"},
                                                        {"arms", "- coder: writes code"}});
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  for (const char* field : {"subtasks", "step", "action", "required_arm", "acceptance_criteria",
                            "depends_on", "estimated_cost_tier", "estimated_duration_seconds",
                            "rationale", "confidence", "complexity_score"}) {
    EXPECT_THAT(prompt->system, HasSubstr(field)) << field;
  }
  for (const char* arm : {"planner", "retriever", "coder", "executor", "judge", "guardian"}) {
    EXPECT_THAT(prompt->system, HasSubstr(arm)) << arm;
  }
  // The example in the prompt is valid JSON once rendered.
  EXPECT_TRUE(ExtractJson(prompt->system).ok());
  EXPECT_THAT(prompt->user, HasSubstr("Build a REST API"));
  EXPECT_THAT(prompt->user, HasSubstr("- Python only"));
}

TEST(ShippedPromptsTest, ScenePromptRenders) {
  absl::StatusOr<PromptTemplate> tmpl = LoadPromptTemplate(PromptPath("scene.yaml"), {"prompt"});
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"prompt", "misty alley at night"}});
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  for (const char* field :
       {"environment", "theme", "weather", "time_of_day", "objects", "count", "tags", "characters",
        "rig", "motion", "camera", "path", "duration_seconds", "audio", "music", "sfx"}) {
    EXPECT_THAT(prompt->system, HasSubstr(field)) << field;
  }
  absl::StatusOr<std::string> example = ExtractJson(prompt->system);
  ASSERT_TRUE(example.ok()) << example.status();
  EXPECT_TRUE(nlohmann::json::parse(*example).contains("environment"));
  EXPECT_THAT(prompt->user, HasSubstr("misty alley at night"));
}

TEST(ShippedPromptsTest, ManifestExtractPromptRenders) {
  absl::StatusOr<PromptTemplate> tmpl = LoadPromptTemplate(
      PromptPath("manifest_extract.yaml"), {"treatment", "hints", "duration_seconds"});
  ASSERT_TRUE(tmpl.ok()) << tmpl.status();
  EXPECT_EQ(tmpl->variables(), (std::set<std::string>{"treatment", "hints", "duration_seconds"}));
  absl::StatusOr<RenderedPrompt> prompt = tmpl->Render({{"treatment", "## Scene 1\nNarration: hi"},
                                                        {"hints", "tone: playful"},
                                                        {"duration_seconds", "45"}});
  ASSERT_TRUE(prompt.ok()) << prompt.status();
  absl::StatusOr<std::string> example = ExtractJson(prompt->system);
  ASSERT_TRUE(example.ok()) << example.status();
  const auto shape = nlohmann::json::parse(*example);
  EXPECT_TRUE(shape.contains("scenes"));
  EXPECT_TRUE(shape.contains("metadata"));
  EXPECT_THAT(prompt->user, HasSubstr("## Scene 1\nNarration: hi"));
  EXPECT_THAT(prompt->system, HasSubstr("45 seconds"));
  EXPECT_THAT(prompt->system + prompt->user, Not(HasSubstr("{treatment}")));
}

}  // namespace
}  // namespace armature::llm
