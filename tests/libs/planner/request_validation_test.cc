#include "libs/planner/request_validation.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/libs/planner/plan_test_util.h"

namespace armature::planner {
namespace {

using ::armature::planner::testing::Request;
using ::armature::planner::testing::SetContext;
using ::testing::HasSubstr;

void ExpectInvalid(const v1::PlanRequest& request, const std::string& message_part) {
  const absl::Status status = ValidatePlanRequest(request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
}

TEST(ValidatePlanRequestTest, AcceptsAnOrdinaryRequest) {
  v1::PlanRequest request = Request("Build a REST API", {"Python only"});
  SetContext(&request, "repo", "acme/api");
  request.set_request_id("req-123");
  EXPECT_TRUE(ValidatePlanRequest(request).ok());
}

TEST(ValidatePlanRequestTest, GoalIsRequired) {
  ExpectInvalid(Request(""), "goal: must not be empty");
  ExpectInvalid(Request(" \n\t "), "goal: must not be empty");
}

TEST(ValidatePlanRequestTest, GoalLengthCountsCharactersAfterTrimming) {
  std::string goal;
  for (int i = 0; i < 10000; ++i) {  // 10000 x 'é' (20000 bytes)
    goal.push_back('\xC3');
    goal.push_back('\xA9');
  }
  EXPECT_TRUE(ValidatePlanRequest(Request(absl::StrCat("   ", goal, "   "))).ok());
  ExpectInvalid(Request(absl::StrCat(goal, "e")),
                "goal: must be at most 10000 characters after trimming (got 10001)");
}

TEST(ValidatePlanRequestTest, ConstraintsAreBounded) {
  EXPECT_TRUE(ValidatePlanRequest(Request("x", std::vector<std::string>(20, "fast"))).ok());
  ExpectInvalid(Request("x", std::vector<std::string>(21, "fast")),
                "constraints: at most 20 allowed (got 21)");
  ExpectInvalid(Request("x", {"fine", "  "}), "constraints[1]: must not be empty");
  ExpectInvalid(Request("x", {std::string(1001, 'c')}),
                "constraints[0]: must be at most 1000 characters (got 1001)");
}

TEST(ValidatePlanRequestTest, ContextIsBounded) {
  v1::PlanRequest request = Request("x");
  for (int i = 0; i < 51; ++i) SetContext(&request, absl::StrCat("k", i), "v");
  ExpectInvalid(request, "context: at most 50 entries allowed (got 51)");

  request = Request("x");
  SetContext(&request, std::string(129, 'k'), "v");
  ExpectInvalid(request, "key must be at most 128 characters (got 129)");

  request = Request("x");
  SetContext(&request, "notes", std::string(4097, 'v'));
  ExpectInvalid(request, "context[\"notes\"]: value must be at most 4096 characters (got 4097)");

  request = Request("x");
  SetContext(&request, " ", "v");
  ExpectInvalid(request, "context: keys must not be empty");
}

TEST(ValidatePlanRequestTest, FirstProblemIsReportedDeterministically) {
  v1::PlanRequest request = Request("x");
  SetContext(&request, "b", std::string(5000, 'v'));
  SetContext(&request, "a", std::string(5000, 'v'));
  ExpectInvalid(request, "context[\"a\"]");
}

TEST(ValidatePlanRequestTest, RequestIdIsBounded) {
  v1::PlanRequest request = Request("x");
  request.set_request_id(std::string(129, 'r'));
  ExpectInvalid(request, "request_id: must be at most 128 characters");
}

TEST(ValidatePlanRequestTest, LimitsAreConfigurable) {
  PlanLimits limits;
  limits.max_goal_chars = 5;
  EXPECT_TRUE(ValidatePlanRequest(Request("short"), limits).ok());
  EXPECT_EQ(ValidatePlanRequest(Request("longer"), limits).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace armature::planner
