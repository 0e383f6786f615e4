#pragma once

#include <ostream>

#include "armature/v1/manifest.pb.h"

// GoogleTest printers for the manifest messages used in matchers. They read better than the
// generic protobuf printer and avoid GCC 12's false -Wrestrict in it (GCC bug 105329).
namespace armature::v1 {

inline void PrintTo(const Violation& v, std::ostream* os) {
  *os << "{" << v.path() << " [" << v.rule() << "]: " << v.message() << "}";
}

inline void PrintTo(const Job& j, std::ostream* os) { *os << "{job " << j.id() << "}"; }

inline void PrintTo(const Scene& s, std::ostream* os) { *os << "{scene " << s.id() << "}"; }

inline void PrintTo(const AudioCue& c, std::ostream* os) { *os << "{cue " << c.id() << "}"; }

inline void PrintTo(const Visual& v, std::ostream* os) { *os << "{visual " << v.asset_id() << "}"; }

inline void PrintTo(const ChartPoint& p, std::ostream* os) {
  *os << "{" << p.label() << "=" << p.value() << "}";
}

}  // namespace armature::v1
