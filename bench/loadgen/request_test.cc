#include "bench/loadgen/request.h"

#include "armature/v1/orchestrator.pb.h"
#include "armature/v1/planner.pb.h"
#include "gtest/gtest.h"

namespace armature::bench {
namespace {

TEST(RequestTest, JsonBecomesTheMethodsInputType) {
  absl::StatusOr<std::string> bytes = SerializeRequestFromJson(
      "/armature.v1.PlannerArm/Plan", R"({"goal":"Ship it","constraints":["fast"]})");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ::armature::v1::PlanRequest request;
  ASSERT_TRUE(request.ParseFromString(*bytes));
  EXPECT_EQ(request.goal(), "Ship it");
  ASSERT_EQ(request.constraints_size(), 1);

  bytes = SerializeRequestFromJson("/armature.v1.Orchestrator/SubmitTask",
                                   R"({"kind":"PRODUCTION","text":"t","wait":true})");
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ::armature::v1::SubmitTaskRequest submit;
  ASSERT_TRUE(submit.ParseFromString(*bytes));
  EXPECT_EQ(submit.kind(), ::armature::v1::PRODUCTION);
  EXPECT_TRUE(submit.wait());

  EXPECT_TRUE(SerializeRequestFromJson("/armature.bench.v1.EchoService/Echo", "{}").ok());
  EXPECT_TRUE(SerializeRequestFromJson("/armature.v1.ArmInfo/GetCapabilities", "{}").ok());
}

TEST(RequestTest, ErrorsNameTheProblem) {
  EXPECT_EQ(SerializeRequestFromJson("/nope.Service/Method", "{}").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(SerializeRequestFromJson("Plan", "{}").status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status bad =
      SerializeRequestFromJson("/armature.v1.PlannerArm/Plan", R"({"goal":1,"nope":2})").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("armature.v1.PlanRequest"), absl::string_view::npos);
}

TEST(ResponseCheckTest, ComparesEnumsByNameThroughNestedMessages) {
  absl::StatusOr<ResponseCheck> check =
      ResponseCheck::Create("/armature.v1.Orchestrator/SubmitTask", "task.status=SUCCEEDED");
  ASSERT_TRUE(check.ok()) << check.status();
  ::armature::v1::SubmitTaskResponse response;
  response.mutable_task()->set_status(::armature::v1::SUCCEEDED);
  EXPECT_TRUE(check->Check(response.SerializeAsString()).ok());
  response.mutable_task()->set_status(::armature::v1::FAILED);
  const absl::Status failed = check->Check(response.SerializeAsString());
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.message().find("\"FAILED\""), absl::string_view::npos) << failed;
  EXPECT_FALSE(check->Check("\xff\xff").ok());

  absl::StatusOr<ResponseCheck> cached =
      ResponseCheck::Create("/armature.v1.PlannerArm/Plan", "cached=false");
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_TRUE(cached->Check("").ok());
}

TEST(ResponseCheckTest, RejectsPathsThatAreNotSingularScalars) {
  const std::string method = "/armature.v1.Orchestrator/SubmitTask";
  EXPECT_FALSE(ResponseCheck::Create(method, "task.status").ok());
  EXPECT_FALSE(ResponseCheck::Create(method, "task.nope=1").ok());
  EXPECT_FALSE(ResponseCheck::Create(method, "task=1").ok());
  EXPECT_FALSE(ResponseCheck::Create(method, "task.constraints=x").ok());
}

TEST(RequestTest, FrameIsLengthPrefixed) {
  const std::string frame = GrpcFrame(std::string(300, 'x'));
  ASSERT_EQ(frame.size(), 305u);
  EXPECT_EQ(frame[0], '\0');
  EXPECT_EQ(static_cast<unsigned char>(frame[3]), 1);  // 300 = 0x012c
  EXPECT_EQ(static_cast<unsigned char>(frame[4]), 0x2c);
  EXPECT_EQ(frame.substr(5), std::string(300, 'x'));
}

}  // namespace
}  // namespace armature::bench
