// jemalloc's settings for the server binaries (and the bench echo baseline), compiled into each
// executable that links armature_allocator: jemalloc reads this symbol when it initialises.
//   background_thread (one): a jemalloc thread returns unused pages, instead of whichever request
//     thread happens to cross the purge threshold (smoother latency and RSS);
//   dirty_decay_ms / muzzy_decay_ms: unused pages go back to the kernel after about a second
//     (the default 10 s made a service's RSS swing by a few MB under steady load).
// MALLOC_CONF in the environment still overrides these.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf =
    "background_thread:true,max_background_threads:1,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
