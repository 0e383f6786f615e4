#include "libs/clock/clock.h"

namespace armature {

Clock& RealClock() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

}  // namespace armature
