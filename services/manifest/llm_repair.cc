#include "services/manifest/llm_repair.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "libs/llm/json_extract.h"
#include "libs/manifest/manifest_json.h"
#include "libs/manifest/sanitize.h"
#include "libs/manifest/validator.h"

namespace armature::manifest_service {
namespace {

using armature::v1::Violation;

// "path (rule)" of the first few violations, for rejection messages.
std::string Summary(const std::vector<Violation>& violations) {
  std::string out;
  for (size_t i = 0; i < violations.size() && i < 3; ++i) {
    absl::StrAppend(&out, i ? "; " : "", violations[i].path(), " (", violations[i].rule(), ")");
  }
  if (violations.size() > 3) absl::StrAppend(&out, "; and ", violations.size() - 3, " more");
  return out;
}

// What SanitizeStrings removed.
struct Removed {
  int urls = 0;
  int secrets = 0;
};

// Applies manifest::SanitizeForLlm to every string field of `message`, recursively, so that no
// URL or secret-looking token of the treatment reaches the LLM. Fields without either are left
// byte for byte as they are.
void SanitizeStrings(google::protobuf::Message& message, Removed& removed) {
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  const auto clean = [&removed](const std::string& value) -> std::optional<std::string> {
    manifest::SanitizedText s = manifest::SanitizeForLlm(value);
    if (s.urls_removed == 0 && s.secrets_removed == 0) return std::nullopt;
    removed.urls += s.urls_removed;
    removed.secrets += s.secrets_removed;
    return std::move(s.text);
  };
  for (const google::protobuf::FieldDescriptor* field : fields) {
    using google::protobuf::FieldDescriptor;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          if (auto v = clean(reflection.GetRepeatedString(message, field, i))) {
            reflection.SetRepeatedString(&message, field, i, *std::move(v));
          }
        }
      } else if (auto v = clean(reflection.GetString(message, field))) {
        reflection.SetString(&message, field, *std::move(v));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          SanitizeStrings(*reflection.MutableRepeatedMessage(&message, field, i), removed);
        }
      } else {
        SanitizeStrings(*reflection.MutableMessage(&message, field), removed);
      }
    }
  }
}

}  // namespace

std::set<std::string> ExtractPromptVariables() {
  return {"treatment", "hints", "duration_seconds"};
}

std::set<std::string> RepairPromptVariables() { return {"manifest_json", "violations"}; }

absl::StatusOr<ManifestPrompts> LoadManifestPrompts(const std::string& dir) {
  absl::StatusOr<llm::PromptTemplate> extract =
      llm::LoadPromptTemplate(dir + "/manifest_extract.yaml", ExtractPromptVariables());
  if (!extract.ok()) return extract.status();
  absl::StatusOr<llm::PromptTemplate> repair =
      llm::LoadPromptTemplate(dir + "/manifest_repair.yaml", RepairPromptVariables());
  if (!repair.ok()) return repair.status();
  return ManifestPrompts{.extract = *std::move(extract), .repair = *std::move(repair)};
}

std::string FormatViolations(const std::vector<Violation>& violations, size_t max) {
  std::string out;
  for (size_t i = 0; i < violations.size() && i < max; ++i) {
    const Violation& v = violations[i];
    absl::StrAppend(&out, "- ", v.path(), " (", v.rule(), "): ", v.message(), "\n");
  }
  if (violations.size() > max) {
    absl::StrAppend(&out, "- ... and ", violations.size() - max, " more\n");
  }
  return out;
}

manifest::LlmRepairHook MakeLlmRepairHook(llm::ProviderChain& chain,
                                          const llm::PromptTemplate& prompt,
                                          manifest::JobProviders jobs, LlmRepairOptions options,
                                          Clock& clock) {
  return
      [&chain, &prompt, &clock, jobs = std::move(jobs), options](
          const armature::v1::ProductionManifest& manifest,
          const std::vector<armature::v1::Job>& /*jobs: derived again from the reply*/,
          const std::vector<Violation>& violations) -> absl::StatusOr<manifest::RepairCandidate> {
        armature::v1::ProductionManifest sent = manifest;
        Removed removed;
        SanitizeStrings(sent, removed);
        std::string note;
        if (removed.urls > 0 || removed.secrets > 0) {
          note = absl::StrCat("LLM repair: removed ", removed.urls, " URL(s) and ", removed.secrets,
                              " secret-looking token(s) from the manifest before sending it");
        }
        absl::StatusOr<std::string> json = manifest::ManifestToJson(sent);
        if (!json.ok()) return json.status();
        if (json->size() > options.max_manifest_json_bytes) {
          return absl::FailedPreconditionError(absl::StrCat(
              "the manifest is ", json->size(), " bytes as JSON, over the ",
              options.max_manifest_json_bytes, " bytes sent for LLM repair; not sent"));
        }
        absl::StatusOr<llm::RenderedPrompt> rendered =
            prompt.Render({{"manifest_json", *json},
                           {"violations", FormatViolations(violations, options.max_violations)}});
        if (!rendered.ok()) return rendered.status();
        llm::LlmRequest request;
        request.system = rendered->system;
        request.user = rendered->user;
        request.json_mode = true;
        request.max_tokens = options.max_tokens;
        request.temperature = options.temperature;
        request.deadline = clock.Now() + absl::Milliseconds(options.deadline_ms);
        auto outcome = chain.RunParsed<manifest::RepairCandidate>(
            request, [&](const llm::LlmReply& reply) -> absl::StatusOr<manifest::RepairCandidate> {
              absl::StatusOr<std::string> text = llm::ExtractJson(reply.text);
              if (!text.ok()) return text.status();
              absl::StatusOr<armature::v1::ProductionManifest> repaired =
                  manifest::ParseManifestJson(*text);
              if (!repaired.ok()) return repaired.status();
              manifest::RepairCandidate candidate;
              candidate.manifest = *std::move(repaired);
              candidate.jobs = manifest::DecomposeJobs(candidate.manifest, jobs);
              if (const std::vector<Violation> left =
                      manifest::ValidateManifest(candidate.manifest, candidate.jobs);
                  !left.empty()) {
                return absl::InvalidArgumentError(
                    absl::StrCat("the repaired manifest is still invalid: ", Summary(left)));
              }
              return candidate;
            });
        if (!outcome.ok()) {
          // The note leads, so the loop's truncated warning still reports what was removed.
          if (note.empty()) return outcome.status();
          return absl::Status(outcome.status().code(),
                              absl::StrCat(note, "; ", outcome.status().message()));
        }
        manifest::RepairCandidate candidate = std::move(outcome->value);
        if (!note.empty()) candidate.warnings.push_back(note);
        candidate.source = outcome->result.provider;
        for (const std::string& failure : outcome->result.failures) {
          candidate.warnings.push_back(absl::StrCat("LLM repair: provider skipped: ", failure));
        }
        return candidate;
      };
}

}  // namespace armature::manifest_service
