#include "libs/planner/scene_planner.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/planner/json_extract.h"
#include "libs/planner/text.h"
#include "nlohmann/json.hpp"

namespace armature::planner {
namespace {

// ---------------------------------------------------------------------------------------------
// Tokens and lexicons
// ---------------------------------------------------------------------------------------------

struct Tok {
  std::string w;                // lower case, no surrounding punctuation
  bool boundary_after = false;  // followed by , ; . ! ? :
  bool used = false;            // consumed by an earlier match
};

std::vector<Tok> Tokenize(absl::string_view prompt) {
  std::string lower = AsciiLower(prompt);
  for (char& c : lower) {
    if (c == '-' || c == '/' || c == '_') c = ' ';
  }
  std::vector<Tok> toks;
  for (const std::string& word : SplitWords(lower)) {
    Tok t;
    t.w = StripPunct(word);
    const char last = word.back();
    t.boundary_after =
        last == ',' || last == ';' || last == '.' || last == '!' || last == '?' || last == ':';
    if (t.w.empty()) {
      if (t.boundary_after && !toks.empty()) toks.back().boundary_after = true;
      continue;
    }
    toks.push_back(std::move(t));
  }
  return toks;
}

// An entry of a phrase lexicon: words separated by spaces, and the value it stands for.
struct Entry {
  absl::string_view phrase;
  absl::string_view value;
  int category = 0;
};

// Length in tokens of `phrase` matched at toks[i] (no boundary inside), 0 when it does not match.
size_t MatchPhrase(const std::vector<Tok>& toks, size_t i, absl::string_view phrase) {
  size_t k = 0;
  for (absl::string_view word : absl::StrSplit(phrase, ' ')) {
    if (i + k >= toks.size() || toks[i + k].w != word) return 0;
    if (k > 0 && toks[i + k - 1].boundary_after) return 0;
    ++k;
  }
  return k;
}

// Longest entry of `lexicon` matching at toks[i].
std::optional<std::pair<const Entry*, size_t>> MatchLexicon(const std::vector<Tok>& toks, size_t i,
                                                            const std::vector<Entry>& lexicon) {
  std::optional<std::pair<const Entry*, size_t>> best;
  for (const Entry& e : lexicon) {
    const size_t len = MatchPhrase(toks, i, e.phrase);
    if (len > 0 && (!best.has_value() || len > best->second)) best = {{&e, len}};
  }
  return best;
}

// First match of `lexicon` anywhere in the prompt.
std::optional<std::pair<const Entry*, size_t>> FindFirst(const std::vector<Tok>& toks,
                                                         const std::vector<Entry>& lexicon,
                                                         size_t* at = nullptr) {
  for (size_t i = 0; i < toks.size(); ++i) {
    if (auto m = MatchLexicon(toks, i, lexicon); m.has_value()) {
      if (at != nullptr) *at = i;
      return m;
    }
  }
  return std::nullopt;
}

const std::vector<Entry>& Styles() {
  static const auto* v = new std::vector<Entry>{{"cyberpunk", "cyberpunk"},
                                                {"steampunk", "steampunk"},
                                                {"solarpunk", "solarpunk"},
                                                {"dieselpunk", "dieselpunk"},
                                                {"fantasy", "fantasy"},
                                                {"medieval", "medieval"},
                                                {"sci fi", "sci-fi"},
                                                {"scifi", "sci-fi"},
                                                {"science fiction", "sci-fi"},
                                                {"futuristic", "futuristic"},
                                                {"post apocalyptic", "post-apocalyptic"},
                                                {"noir", "noir"},
                                                {"western", "western"},
                                                {"wild west", "western"},
                                                {"gothic", "gothic"},
                                                {"horror", "horror"},
                                                {"haunted", "haunted"},
                                                {"retro", "retro"},
                                                {"vaporwave", "vaporwave"},
                                                {"victorian", "victorian"},
                                                {"feudal japanese", "feudal japanese"},
                                                {"japanese", "japanese"},
                                                {"tropical", "tropical"},
                                                {"arctic", "arctic"},
                                                {"alien", "alien"},
                                                {"underwater", "underwater"},
                                                {"industrial", "industrial"},
                                                {"rustic", "rustic"},
                                                {"minimalist", "minimalist"},
                                                {"ancient", "ancient"},
                                                {"magical", "magical"},
                                                {"enchanted", "enchanted"},
                                                {"dystopian", "dystopian"},
                                                {"utopian", "utopian"},
                                                {"art deco", "art deco"},
                                                {"pixel art", "pixel art"}};
  return *v;
}

// Settings; category 1 = city, 2 = nature, 3 = water, 4 = enclosed/underground,
// 5 = crowded indoor, 6 = space, 7 = industrial.
const std::vector<Entry>& Settings() {
  static const auto* v = new std::vector<Entry>{{"alley", "alley", 1},
                                                {"alleyway", "alley", 1},
                                                {"street", "street", 1},
                                                {"streets", "street", 1},
                                                {"city", "city", 1},
                                                {"cityscape", "city", 1},
                                                {"downtown", "downtown", 1},
                                                {"rooftop", "rooftop", 1},
                                                {"rooftops", "rooftop", 1},
                                                {"highway", "highway", 1},
                                                {"subway", "subway", 1},
                                                {"train station", "train station", 1},
                                                {"parking lot", "parking lot", 1},
                                                {"metropolis", "city", 1},
                                                {"town", "town", 1},
                                                {"village", "village", 2},
                                                {"forest", "forest", 2},
                                                {"woods", "forest", 2},
                                                {"jungle", "jungle", 2},
                                                {"desert", "desert", 2},
                                                {"mountain", "mountains", 2},
                                                {"mountains", "mountains", 2},
                                                {"valley", "valley", 2},
                                                {"canyon", "canyon", 2},
                                                {"meadow", "meadow", 2},
                                                {"field", "field", 2},
                                                {"fields", "field", 2},
                                                {"garden", "garden", 2},
                                                {"park", "park", 2},
                                                {"farm", "farm", 2},
                                                {"swamp", "swamp", 2},
                                                {"tundra", "tundra", 2},
                                                {"glacier", "glacier", 2},
                                                {"volcano", "volcano", 2},
                                                {"savanna", "savanna", 2},
                                                {"countryside", "countryside", 2},
                                                {"beach", "beach", 3},
                                                {"ocean", "ocean", 3},
                                                {"sea", "sea", 3},
                                                {"lake", "lake", 3},
                                                {"river", "river", 3},
                                                {"harbor", "harbor", 3},
                                                {"harbour", "harbor", 3},
                                                {"dock", "docks", 3},
                                                {"docks", "docks", 3},
                                                {"island", "island", 3},
                                                {"coast", "coast", 3},
                                                {"coral reef", "coral reef", 3},
                                                {"reef", "reef", 3},
                                                {"seabed", "seabed", 3},
                                                {"courtyard", "courtyard", 4},
                                                {"throne room", "throne room", 4},
                                                {"cave", "cave", 4},
                                                {"caves", "cave", 4},
                                                {"dungeon", "dungeon", 4},
                                                {"castle", "castle", 4},
                                                {"temple", "temple", 4},
                                                {"ruins", "ruins", 4},
                                                {"crypt", "crypt", 4},
                                                {"tunnel", "tunnel", 4},
                                                {"library", "library", 4},
                                                {"office", "office", 4},
                                                {"kitchen", "kitchen", 4},
                                                {"bedroom", "bedroom", 4},
                                                {"living room", "living room", 4},
                                                {"studio", "studio", 4},
                                                {"classroom", "classroom", 4},
                                                {"laboratory", "laboratory", 4},
                                                {"lab", "laboratory", 4},
                                                {"museum", "museum", 4},
                                                {"church", "church", 4},
                                                {"cathedral", "cathedral", 4},
                                                {"tavern", "tavern", 5},
                                                {"bar", "bar", 5},
                                                {"cafe", "cafe", 5},
                                                {"restaurant", "restaurant", 5},
                                                {"market", "market", 5},
                                                {"marketplace", "market", 5},
                                                {"bazaar", "market", 5},
                                                {"arena", "arena", 5},
                                                {"stadium", "stadium", 5},
                                                {"nightclub", "nightclub", 5},
                                                {"club", "nightclub", 5},
                                                {"space station", "space station", 6},
                                                {"spaceship", "spaceship", 6},
                                                {"starship", "spaceship", 6},
                                                {"space", "space", 6},
                                                {"planet", "planet", 6},
                                                {"moon surface", "moon surface", 6},
                                                {"nebula", "nebula", 6},
                                                {"asteroid field", "asteroid field", 6},
                                                {"warehouse", "warehouse", 7},
                                                {"factory", "factory", 7},
                                                {"junkyard", "junkyard", 7},
                                                {"shipyard", "shipyard", 7},
                                                {"construction site", "construction site", 7}};
  return *v;
}

// Weather; category 1 = precipitation, 2 = atmosphere, 3 = clear.
const std::vector<Entry>& Weathers() {
  static const auto* v = new std::vector<Entry>{{"light rain", "light rain", 1},
                                                {"heavy rain", "heavy rain", 1},
                                                {"pouring rain", "heavy rain", 1},
                                                {"downpour", "heavy rain", 1},
                                                {"drizzle", "drizzle", 1},
                                                {"drizzling", "drizzle", 1},
                                                {"drizzly", "drizzle", 1},
                                                {"rain", "rain", 1},
                                                {"rainy", "rain", 1},
                                                {"raining", "rain", 1},
                                                {"rainfall", "rain", 1},
                                                {"thunderstorm", "thunderstorm", 1},
                                                {"storm", "thunderstorm", 1},
                                                {"stormy", "thunderstorm", 1},
                                                {"lightning", "thunderstorm", 1},
                                                {"light snow", "light snow", 1},
                                                {"heavy snow", "blizzard", 1},
                                                {"blizzard", "blizzard", 1},
                                                {"snow", "snow", 1},
                                                {"snowy", "snow", 1},
                                                {"snowing", "snow", 1},
                                                {"snowfall", "snow", 1},
                                                {"hail", "hail", 1},
                                                {"sleet", "sleet", 1},
                                                {"sandstorm", "sandstorm", 1},
                                                {"dust storm", "sandstorm", 1},
                                                {"fog", "fog", 2},
                                                {"foggy", "fog", 2},
                                                {"mist", "mist", 2},
                                                {"misty", "mist", 2},
                                                {"haze", "haze", 2},
                                                {"hazy", "haze", 2},
                                                {"smog", "haze", 2},
                                                {"smoggy", "haze", 2},
                                                {"cloudy", "overcast", 2},
                                                {"overcast", "overcast", 2},
                                                {"windy", "wind", 2},
                                                {"breezy", "wind", 2},
                                                {"gusty", "wind", 2},
                                                {"clear sky", "clear", 3},
                                                {"clear skies", "clear", 3},
                                                {"clear", "clear", 3},
                                                {"sunny", "clear", 3}};
  return *v;
}

const std::vector<Entry>& TimesOfDay() {
  static const auto* v =
      new std::vector<Entry>{{"dawn", "dawn"},          {"sunrise", "dawn"},
                             {"daybreak", "dawn"},      {"first light", "dawn"},
                             {"early morning", "dawn"}, {"morning", "day"},
                             {"noon", "day"},           {"midday", "day"},
                             {"afternoon", "day"},      {"daytime", "day"},
                             {"daylight", "day"},       {"day", "day"},
                             {"sunny", "day"},          {"dusk", "dusk"},
                             {"sunset", "dusk"},        {"twilight", "dusk"},
                             {"evening", "dusk"},       {"golden hour", "dusk"},
                             {"sundown", "dusk"},       {"night", "night"},
                             {"midnight", "night"},     {"nighttime", "night"},
                             {"night time", "night"},   {"moonlit", "night"},
                             {"moonlight", "night"},    {"starry", "night"},
                             {"late night", "night"},   {"neon lit night", "night"}};
  return *v;
}

const std::vector<Entry>& CameraPaths() {
  static const auto* v = new std::vector<Entry>{{"orbit", "orbit"},
                                                {"orbiting", "orbit"},
                                                {"orbital", "orbit"},
                                                {"orbits", "orbit"},
                                                {"circling", "orbit"},
                                                {"360", "orbit"},
                                                {"turntable", "orbit"},
                                                {"dolly", "dolly"},
                                                {"push in", "dolly"},
                                                {"pull out", "dolly"},
                                                {"tracking", "dolly"},
                                                {"tracking shot", "dolly"},
                                                {"zoom", "dolly"},
                                                {"zooming", "dolly"},
                                                {"zooms", "dolly"},
                                                {"pan", "pan"},
                                                {"panning", "pan"},
                                                {"pans", "pan"},
                                                {"sweep", "pan"},
                                                {"sweeping", "pan"},
                                                {"crane", "crane"},
                                                {"jib", "crane"},
                                                {"boom", "crane"},
                                                {"rising", "crane"},
                                                {"overhead", "crane"},
                                                {"birds eye", "crane"},
                                                {"bird s eye", "crane"},
                                                {"handheld", "handheld"},
                                                {"hand held", "handheld"},
                                                {"shaky", "handheld"},
                                                {"pov", "handheld"},
                                                {"first person", "handheld"},
                                                {"flythrough", "flythrough"},
                                                {"fly through", "flythrough"},
                                                {"flyover", "flythrough"},
                                                {"fly over", "flythrough"},
                                                {"drone shot", "flythrough"},
                                                {"drone camera", "flythrough"},
                                                {"aerial", "flythrough"},
                                                {"static", "static"},
                                                {"still", "static"},
                                                {"locked off", "static"},
                                                {"tripod", "static"},
                                                {"fixed", "static"},
                                                {"stationary", "static"},
                                                {"wide shot", "static"}};
  return *v;
}

// Characters: value = rig. Plural forms listed explicitly.
const std::vector<Entry>& CharacterNouns() {
  static const auto* v = [] {
    auto* out = new std::vector<Entry>();
    auto add = [out](absl::string_view rig, std::initializer_list<absl::string_view> words) {
      for (absl::string_view w : words) out->push_back({w, rig});
    };
    add("humanoid", {"person",
                     "people",
                     "man",
                     "men",
                     "woman",
                     "women",
                     "child",
                     "children",
                     "kid",
                     "kids",
                     "boy",
                     "boys",
                     "girl",
                     "girls",
                     "pedestrian",
                     "pedestrians",
                     "soldier",
                     "soldiers",
                     "knight",
                     "knights",
                     "samurai",
                     "ninja",
                     "ninjas",
                     "detective",
                     "detectives",
                     "dancer",
                     "dancers",
                     "wizard",
                     "wizards",
                     "warrior",
                     "warriors",
                     "zombie",
                     "zombies",
                     "elf",
                     "elves",
                     "orc",
                     "orcs",
                     "astronaut",
                     "astronauts",
                     "pilot",
                     "pilots",
                     "guard",
                     "guards",
                     "vendor",
                     "vendors",
                     "merchant",
                     "merchants",
                     "hacker",
                     "hackers",
                     "character",
                     "characters",
                     "figure",
                     "figures",
                     "hero",
                     "heroes",
                     "villain",
                     "villains",
                     "monk",
                     "monks",
                     "priest",
                     "king",
                     "queen",
                     "princess",
                     "prince",
                     "pirate",
                     "pirates",
                     "cowboy",
                     "cowboys",
                     "student",
                     "students",
                     "worker",
                     "workers",
                     "chef",
                     "traveler",
                     "travelers",
                     "traveller",
                     "hiker",
                     "hikers",
                     "runner",
                     "runners",
                     "mercenary",
                     "stranger",
                     "crowd",
                     "couple",
                     "musician",
                     "musicians",
                     "old man",
                     "old woman",
                     "police officer",
                     "officer",
                     "officers",
                     "scientist",
                     "scientists",
                     "agent",
                     "agents"});
    add("robot", {"robot", "robots", "android", "androids", "mech", "mechs", "droid", "droids",
                  "cyborg", "cyborgs", "automaton", "automatons"});
    add("quadruped",
        {"dog",    "dogs",    "cat",      "cats",      "horse",    "horses",   "wolf",   "wolves",
         "fox",    "foxes",   "deer",     "cow",       "cows",     "lion",     "lions",  "tiger",
         "tigers", "bear",    "bears",    "sheep",     "goat",     "goats",    "rabbit", "rabbits",
         "dragon", "dragons", "dinosaur", "dinosaurs", "elephant", "elephants"});
    add("bird",
        {"bird",   "birds",   "crow",   "crows",   "raven",     "ravens",     "eagle", "eagles",
         "owl",    "owls",    "pigeon", "pigeons", "seagull",   "seagulls",   "gull",  "gulls",
         "parrot", "parrots", "bat",    "bats",    "butterfly", "butterflies"});
    add("fish", {"fish", "fishes", "shark", "sharks", "whale", "whales", "dolphin", "dolphins",
                 "jellyfish", "koi"});
    add("serpent", {"snake", "snakes", "serpent", "serpents"});
    return out;
  }();
  return *v;
}

const std::vector<Entry>& Motions() {
  static const auto* v = new std::vector<Entry>{{"walking", "walk"},
                                                {"walks", "walk"},
                                                {"walk", "walk"},
                                                {"strolling", "walk"},
                                                {"wandering", "walk"},
                                                {"running", "run"},
                                                {"runs", "run"},
                                                {"run", "run"},
                                                {"sprinting", "run"},
                                                {"jogging", "run"},
                                                {"fleeing", "run"},
                                                {"dancing", "dance"},
                                                {"dances", "dance"},
                                                {"dance", "dance"},
                                                {"standing", "idle"},
                                                {"stands", "idle"},
                                                {"idle", "idle"},
                                                {"idling", "idle"},
                                                {"waiting", "idle"},
                                                {"leaning", "idle"},
                                                {"sitting", "sit"},
                                                {"sits", "sit"},
                                                {"seated", "sit"},
                                                {"flying", "fly"},
                                                {"flies", "fly"},
                                                {"soaring", "fly"},
                                                {"hovering", "fly"},
                                                {"circling overhead", "fly"},
                                                {"swimming", "swim"},
                                                {"swims", "swim"},
                                                {"fighting", "fight"},
                                                {"fights", "fight"},
                                                {"sparring", "fight"},
                                                {"battling", "fight"},
                                                {"jumping", "jump"},
                                                {"jumps", "jump"},
                                                {"leaping", "jump"},
                                                {"waving", "wave"},
                                                {"waves", "wave"},
                                                {"talking", "talk"},
                                                {"talks", "talk"},
                                                {"chatting", "talk"},
                                                {"arguing", "talk"},
                                                {"patrolling", "patrol"},
                                                {"patrols", "patrol"},
                                                {"sneaking", "sneak"},
                                                {"creeping", "sneak"},
                                                {"driving", "drive"},
                                                {"climbing", "climb"},
                                                {"crouching", "crouch"},
                                                {"looking around", "look around"},
                                                {"playing", "play"},
                                                {"sleeping", "sleep"},
                                                {"working", "work"},
                                                {"typing", "work"},
                                                {"guarding", "guard"},
                                                {"cooking", "cook"},
                                                {"reading", "read"},
                                                {"slithering", "slither"},
                                                {"galloping", "run"},
                                                {"prowling", "sneak"},
                                                {"marching", "walk"},
                                                {"limping", "walk"}};
  return *v;
}

// Props: value = singular type. category 1 = vehicle, 2 = fire, 3 = neon, 4 = water feature.
const std::vector<Entry>& ObjectNouns() {
  static const auto* v = [] {
    auto* out = new std::vector<Entry>();
    auto add = [out](int category,
                     std::initializer_list<std::pair<absl::string_view, absl::string_view>> words) {
      for (const auto& [plural, singular] : words) {
        out->push_back({singular, singular, category});
        if (plural != singular) out->push_back({plural, singular, category});
      }
    };
    add(1, {{"cars", "car"},
            {"trucks", "truck"},
            {"buses", "bus"},
            {"vans", "van"},
            {"taxis", "taxi"},
            {"motorcycles", "motorcycle"},
            {"motorbikes", "motorbike"},
            {"bikes", "bike"},
            {"bicycles", "bicycle"},
            {"scooters", "scooter"},
            {"boats", "boat"},
            {"ships", "ship"},
            {"trains", "train"},
            {"trams", "tram"},
            {"planes", "plane"},
            {"airplanes", "airplane"},
            {"helicopters", "helicopter"},
            {"drones", "drone"},
            {"hover cars", "hover car"},
            {"flying cars", "flying car"}});
    add(2, {{"campfires", "campfire"},
            {"fires", "fire"},
            {"bonfires", "bonfire"},
            {"torches", "torch"},
            {"candles", "candle"},
            {"fireplaces", "fireplace"},
            {"lanterns", "lantern"},
            {"braziers", "brazier"}});
    add(3, {{"neon signs", "neon sign"},
            {"neon lights", "neon light"},
            {"holograms", "hologram"},
            {"billboards", "billboard"},
            {"screens", "screen"}});
    add(4, {{"fountains", "fountain"}, {"puddles", "puddle"}, {"waterfalls", "waterfall"}});
    add(0, {{"street lamps", "street lamp"},
            {"streetlamps", "street lamp"},
            {"streetlights", "streetlight"},
            {"street lights", "streetlight"},
            {"lamps", "lamp"},
            {"lamp posts", "lamp post"},
            {"signs", "sign"},
            {"posters", "poster"},
            {"monitors", "monitor"},
            {"tvs", "tv"},
            {"televisions", "television"},
            {"computers", "computer"},
            {"laptops", "laptop"},
            {"cables", "cable"},
            {"wires", "wire"},
            {"pipes", "pipe"},
            {"vents", "vent"},
            {"fans", "fan"},
            {"antennas", "antenna"},
            {"satellite dishes", "satellite dish"},
            {"crates", "crate"},
            {"boxes", "box"},
            {"barrels", "barrel"},
            {"oil drums", "oil drum"},
            {"dumpsters", "dumpster"},
            {"trash cans", "trash can"},
            {"bins", "bin"},
            {"benches", "bench"},
            {"tables", "table"},
            {"chairs", "chair"},
            {"sofas", "sofa"},
            {"couches", "couch"},
            {"beds", "bed"},
            {"desks", "desk"},
            {"shelves", "shelf"},
            {"bookshelves", "bookshelf"},
            {"books", "book"},
            {"umbrellas", "umbrella"},
            {"trees", "tree"},
            {"palm trees", "palm tree"},
            {"pine trees", "pine tree"},
            {"bushes", "bush"},
            {"flowers", "flower"},
            {"plants", "plant"},
            {"rocks", "rock"},
            {"boulders", "boulder"},
            {"stones", "stone"},
            {"statues", "statue"},
            {"pillars", "pillar"},
            {"columns", "column"},
            {"arches", "arch"},
            {"gates", "gate"},
            {"fences", "fence"},
            {"walls", "wall"},
            {"windows", "window"},
            {"doors", "door"},
            {"staircases", "staircase"},
            {"stairs", "stairs"},
            {"ladders", "ladder"},
            {"towers", "tower"},
            {"skyscrapers", "skyscraper"},
            {"buildings", "building"},
            {"houses", "house"},
            {"huts", "hut"},
            {"tents", "tent"},
            {"mushrooms", "mushroom"},
            {"logs", "log"},
            {"stumps", "stump"},
            {"vending machines", "vending machine"},
            {"food stalls", "food stall"},
            {"stalls", "stall"},
            {"carts", "cart"},
            {"market stalls", "market stall"},
            {"fire escapes", "fire escape"},
            {"air conditioners", "air conditioner"},
            {"traffic lights", "traffic light"},
            {"traffic cones", "traffic cone"},
            {"fire hydrants", "fire hydrant"},
            {"mailboxes", "mailbox"},
            {"phone booths", "phone booth"},
            {"power lines", "power line"},
            {"flags", "flag"},
            {"banners", "banner"},
            {"chests", "chest"},
            {"swords", "sword"},
            {"shields", "shield"},
            {"skulls", "skull"},
            {"bones", "bone"},
            {"crystals", "crystal"},
            {"gems", "gem"},
            {"coins", "coin"},
            {"mirrors", "mirror"},
            {"clocks", "clock"},
            {"vases", "vase"},
            {"cups", "cup"},
            {"bottles", "bottle"},
            {"jars", "jar"},
            {"baskets", "basket"},
            {"ropes", "rope"},
            {"anchors", "anchor"},
            {"tombstones", "tombstone"},
            {"gravestones", "gravestone"},
            {"pumpkins", "pumpkin"},
            {"windmills", "windmill"},
            {"wells", "well"},
            {"carpets", "carpet"},
            {"rugs", "rug"},
            {"paintings", "painting"},
            {"machines", "machine"},
            {"robot arms", "robot arm"},
            {"containers", "container"},
            {"shipping containers", "shipping container"},
            {"cranes", "crane"}});
    return out;
  }();
  return *v;
}

const std::vector<Entry>& MusicGenres() {
  static const auto* v = new std::vector<Entry>{{"synthwave", "synthwave"},
                                                {"retrowave", "synthwave"},
                                                {"lo fi", "lo-fi"},
                                                {"lofi", "lo-fi"},
                                                {"jazz", "jazz"},
                                                {"jazzy", "jazz"},
                                                {"orchestral", "orchestral"},
                                                {"dark ambient", "dark ambient"},
                                                {"ambient", "ambient"},
                                                {"techno", "techno"},
                                                {"rock", "rock"},
                                                {"piano", "piano"},
                                                {"classical", "classical"},
                                                {"electronic", "electronic"},
                                                {"chiptune", "chiptune"},
                                                {"cinematic", "cinematic"},
                                                {"epic", "epic orchestral"},
                                                {"trance", "trance"},
                                                {"hip hop", "hip hop"},
                                                {"blues", "blues"},
                                                {"folk", "folk"},
                                                {"metal", "metal"},
                                                {"reggae", "reggae"},
                                                {"drum and bass", "drum and bass"},
                                                {"dubstep", "dubstep"},
                                                {"choir", "choir"},
                                                {"choral", "choir"},
                                                {"acoustic", "acoustic"},
                                                {"industrial music", "industrial"}};
  return *v;
}

const absl::flat_hash_set<absl::string_view>& MusicNouns() {
  static const auto* s = new absl::flat_hash_set<absl::string_view>{
      "music", "soundtrack", "score", "track", "tune", "beat", "beats", "song", "melody"};
  return *s;
}

const std::vector<Entry>& ExplicitSfx() {
  static const auto* v =
      new std::vector<Entry>{{"siren", "sirens"},          {"sirens", "sirens"},
                             {"footsteps", "footsteps"},   {"thunder", "thunder"},
                             {"chatter", "crowd chatter"}, {"honking", "car horns"},
                             {"horns", "car horns"},       {"dripping", "dripping water"},
                             {"bells", "bells"},           {"birdsong", "birdsong"},
                             {"waves", "waves"},           {"crackling", "crackling fire"},
                             {"explosion", "explosions"},  {"explosions", "explosions"},
                             {"gunfire", "gunfire"},       {"gunshots", "gunfire"},
                             {"heartbeat", "heartbeat"},   {"whispers", "whispers"},
                             {"howling", "howling"},       {"crickets", "crickets"},
                             {"echoes", "echoes"},         {"hum", "hum"},
                             {"humming", "hum"},           {"buzzing", "buzz"},
                             {"rumble", "rumble"}};
  return *v;
}

std::optional<std::pair<int, size_t>> CountAt(const std::vector<Tok>& toks, size_t i) {
  static const auto* words = new absl::flat_hash_map<absl::string_view, int>{
      {"one", 1},      {"two", 2},        {"three", 3},      {"four", 4},      {"five", 5},
      {"six", 6},      {"seven", 7},      {"eight", 8},      {"nine", 9},      {"ten", 10},
      {"eleven", 11},  {"twelve", 12},    {"thirteen", 13},  {"fourteen", 14}, {"fifteen", 15},
      {"sixteen", 16}, {"seventeen", 17}, {"eighteen", 18},  {"nineteen", 19}, {"twenty", 20},
      {"thirty", 30},  {"forty", 40},     {"fifty", 50},     {"hundred", 100}, {"dozen", 12},
      {"several", 4},  {"few", 3},        {"many", 8},       {"some", 3},      {"numerous", 10},
      {"single", 1},   {"lone", 1},       {"a", 1},          {"an", 1},        {"couple", 2},
      {"pair", 2},     {"dozens", 24},    {"hundreds", 100}, {"multiple", 3},  {"countless", 50}};
  if (i >= toks.size()) return std::nullopt;
  const std::string& w = toks[i].w;
  int n = 0;
  if (!w.empty() && absl::ascii_isdigit(static_cast<unsigned char>(w[0])) &&
      absl::SimpleAtoi(w, &n)) {
    return std::make_pair(n, size_t{1});
  }
  auto it = words->find(w);
  if (it == words->end()) return std::nullopt;
  return std::make_pair(it->second, size_t{1});
}

bool IsTimeUnit(absl::string_view w) {
  return w == "second" || w == "seconds" || w == "sec" || w == "secs" || w == "s" ||
         w == "minute" || w == "minutes" || w == "min" || w == "mins" || w == "m";
}

bool IsSceneStopword(absl::string_view w) {
  static const auto* s = new absl::flat_hash_set<absl::string_view>{
      "with",   "at",  "in",   "on",      "of",     "and",     "near",   "under",  "behind",
      "beside", "by",  "from", "through", "over",   "around",  "into",   "onto",   "the",
      "a",      "an",  "some", "its",     "their",  "his",     "her",    "while",  "as",
      "is",     "are", "lots", "lot",     "plus",   "camera",  "shot",   "scene",  "view",
      "angle",  "to",  "for",  "along",   "across", "between", "inside", "outside"};
  return s->contains(w);
}

std::string Singular(absl::string_view w) {
  std::string s(w);
  if (s.size() > 4 && absl::EndsWith(s, "ies")) return s.substr(0, s.size() - 3) + "y";
  if (s.size() > 4 && (absl::EndsWith(s, "ches") || absl::EndsWith(s, "shes") ||
                       absl::EndsWith(s, "xes") || absl::EndsWith(s, "sses"))) {
    return s.substr(0, s.size() - 2);
  }
  if (s.size() > 3 && absl::EndsWith(s, "s") && !absl::EndsWith(s, "ss") &&
      !absl::EndsWith(s, "us") && !absl::EndsWith(s, "is")) {
    return s.substr(0, s.size() - 1);
  }
  return s;
}

absl::string_view DefaultMusicFor(absl::string_view theme) {
  const std::string t(theme);
  auto has = [&t](absl::string_view w) { return ContainsPhrase(t, w); };
  if (has("cyberpunk") || has("vaporwave") || has("retro")) return "synthwave";
  if (has("noir")) return "jazz";
  if (has("horror") || has("haunted") || has("gothic") || has("crypt") || has("dungeon")) {
    return "dark ambient";
  }
  if (has("fantasy") || has("medieval") || has("castle") || has("enchanted") || has("magical") ||
      has("temple")) {
    return "orchestral";
  }
  if (has("sci-fi") || has("futuristic") || has("space") || has("spaceship") ||
      has("space station") || has("alien") || has("planet") || has("nebula")) {
    return "ambient electronic";
  }
  if (has("western") || has("desert") || has("farm") || has("countryside"))
    return "acoustic guitar";
  if (has("steampunk") || has("industrial") || has("factory")) return "industrial";
  if (has("city") || has("street") || has("alley") || has("cafe") || has("downtown")) {
    return "lo-fi";
  }
  if (has("tropical") || has("beach") || has("island")) return "acoustic";
  return "ambient";
}

absl::string_view DefaultMotionFor(absl::string_view rig) {
  if (rig == "bird") return "fly";
  if (rig == "fish") return "swim";
  if (rig == "serpent") return "slither";
  return "idle";
}

std::string NormalizeTimeOfDay(absl::string_view value) {
  const std::vector<Tok> toks = Tokenize(value);
  for (size_t i = 0; i < toks.size(); ++i) {
    if (auto m = MatchLexicon(toks, i, TimesOfDay()); m.has_value()) {
      return std::string(m->first->value);
    }
  }
  return "";
}

std::string NormalizeCameraPath(absl::string_view value) {
  const std::vector<Tok> toks = Tokenize(value);
  for (size_t i = 0; i < toks.size(); ++i) {
    if (auto m = MatchLexicon(toks, i, CameraPaths()); m.has_value()) {
      return std::string(m->first->value);
    }
  }
  return "";
}

void AddUnique(std::vector<std::string>* list, absl::string_view item) {
  if (item.empty()) return;
  if (std::find(list->begin(), list->end(), item) == list->end()) list->emplace_back(item);
}

// ---------------------------------------------------------------------------------------------
// Parsing the prompt
// ---------------------------------------------------------------------------------------------

struct ParsedObject {
  std::string type;
  int count = 1;
  std::vector<std::string> tags;
  int category = 0;
};

// Tags and count written before a noun at toks[i]: "three rusty old cars".
void ReadModifiers(std::vector<Tok>& toks, size_t i, std::optional<int>* count,
                   std::vector<std::string>* tags) {
  std::vector<std::string> reversed;
  for (size_t back = 1; back <= 4 && back <= i; ++back) {
    const size_t j = i - back;
    if (toks[j].boundary_after) break;
    if (auto c = CountAt(toks, j); c.has_value()) {
      *count = c->first;
      // "a dozen", "a couple of", "a few": the article before the quantity word.
      break;
    }
    const std::string& w = toks[j].w;
    if (IsSceneStopword(w) || toks[j].used) break;
    if (MatchLexicon(toks, j, ObjectNouns()).has_value() ||
        MatchLexicon(toks, j, CharacterNouns()).has_value() ||
        MatchLexicon(toks, j, Motions()).has_value()) {
      break;
    }
    reversed.push_back(w);
  }
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) AddUnique(tags, *it);
}

struct SceneText {
  std::vector<ParsedObject> objects;
  std::vector<std::pair<std::string, std::string>> characters;  // rig, motion
  std::vector<std::string> character_nouns;
};

void ReadCharactersAndObjects(std::vector<Tok>& toks, SceneText* scene, int max_characters) {
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].used) continue;
    // Characters first ("robot" is a character, "robot arm" an object: longest match wins).
    auto character = MatchLexicon(toks, i, CharacterNouns());
    auto object = MatchLexicon(toks, i, ObjectNouns());
    // "standing guard", "playing host": a noun right after a motion belongs to that motion.
    const bool after_motion = i > 0 && toks[i - 1].used && !toks[i - 1].boundary_after &&
                              MatchLexicon(toks, i - 1, Motions()).has_value();
    if (character.has_value() && after_motion) {
      toks[i].used = true;
      continue;
    }
    if (character.has_value() && (!object.has_value() || character->second >= object->second)) {
      size_t len = character->second;
      std::optional<int> count;
      std::vector<std::string> tags;
      ReadModifiers(toks, i, &count, &tags);
      std::string noun(character->first->phrase);
      const bool plural = Singular(noun) != noun || noun == "people" || noun == "men" ||
                          noun == "women" || noun == "children" || noun == "wolves" ||
                          noun == "elves";
      int n = count.value_or(plural ? 3 : 1);
      if (noun == "crowd") {
        n = count.has_value() && *count > 1 ? *count : 5;
        // "a crowd of people": one group, not a crowd plus three more people.
        if (i + 2 < toks.size() && toks[i + 1].w == "of" && !toks[i].boundary_after &&
            MatchLexicon(toks, i + 2, CharacterNouns()).has_value()) {
          len += 1 + MatchLexicon(toks, i + 2, CharacterNouns())->second;
        }
      }
      if (noun == "couple") n = 2;
      // Motion: a gerund before ("walking robot") or a verb after ("robot walking").
      std::string motion;
      for (size_t back = 1; back <= 2 && back <= i && motion.empty(); ++back) {
        if (toks[i - back].boundary_after) break;
        if (auto m = MatchLexicon(toks, i - back, Motions()); m.has_value()) {
          motion = std::string(m->first->value);
        }
      }
      for (size_t k = i + len; k < toks.size() && k < i + len + 4 && motion.empty(); ++k) {
        if (toks[k - 1].boundary_after) break;
        if (MatchLexicon(toks, k, CharacterNouns()).has_value()) break;
        if (auto m = MatchLexicon(toks, k, Motions()); m.has_value()) {
          motion = std::string(m->first->value);
          for (size_t u = 0; u < m->second; ++u) toks[k + u].used = true;
        }
      }
      for (size_t u = 0; u < len; ++u) toks[i + u].used = true;
      AddUnique(&scene->character_nouns, noun);
      for (int c = 0; c < n && static_cast<int>(scene->characters.size()) < max_characters; ++c) {
        scene->characters.emplace_back(std::string(character->first->value), motion);
      }
      i += len - 1;
      continue;
    }
    if (object.has_value()) {
      const size_t len = object->second;
      std::optional<int> count;
      ParsedObject o;
      ReadModifiers(toks, i, &count, &o.tags);
      const std::string phrase(object->first->phrase);
      const bool plural = phrase != object->first->value;
      o.type = std::string(object->first->value);
      o.count = count.value_or(plural ? 3 : 1);
      o.category = object->first->category;
      for (size_t u = 0; u < len; ++u) toks[i + u].used = true;
      auto same = std::find_if(scene->objects.begin(), scene->objects.end(),
                               [&o](const ParsedObject& p) { return p.type == o.type; });
      if (same != scene->objects.end()) {
        same->count += o.count;
        for (const std::string& t : o.tags) AddUnique(&same->tags, t);
      } else {
        scene->objects.push_back(std::move(o));
      }
      i += len - 1;
      continue;
    }
  }
  // Unknown props introduced by an explicit number: "three zeppelins", "5 glowing orbs".
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].used) continue;
    auto count = CountAt(toks, i);
    if (!count.has_value() || toks[i].w == "a" || toks[i].w == "an" || toks[i].boundary_after) {
      continue;
    }
    std::vector<std::string> words;
    size_t k = i + 1;
    for (; k < toks.size() && k <= i + 3; ++k) {
      if (toks[k].used || IsSceneStopword(toks[k].w) || IsTimeUnit(toks[k].w) ||
          CountAt(toks, k).has_value()) {
        break;
      }
      words.push_back(toks[k].w);
      if (toks[k].boundary_after) {
        ++k;
        break;
      }
    }
    if (words.empty() || IsTimeUnit(i + 1 < toks.size() ? toks[i + 1].w : "")) continue;
    // Skip environment, camera and audio words.
    const std::string noun = words.back();
    std::vector<Tok> probe = {Tok{noun}};
    if (MatchLexicon(probe, 0, Weathers()) || MatchLexicon(probe, 0, TimesOfDay()) ||
        MatchLexicon(probe, 0, CameraPaths()) || MatchLexicon(probe, 0, Settings()) ||
        MatchLexicon(probe, 0, Styles()) || MusicNouns().contains(noun) ||
        MatchLexicon(probe, 0, Motions())) {
      continue;
    }
    ParsedObject o;
    o.type = Singular(noun);
    o.count = count->first;
    for (size_t w = 0; w + 1 < words.size(); ++w) AddUnique(&o.tags, words[w]);
    for (size_t u = i; u < k && u < toks.size(); ++u) toks[u].used = true;
    scene->objects.push_back(std::move(o));
  }
}

std::optional<double> ReadDuration(const std::vector<Tok>& toks) {
  for (size_t i = 0; i < toks.size(); ++i) {
    const std::string& w = toks[i].w;
    double value = 0;
    std::string unit;
    size_t k = 0;
    while (k < w.size() && (absl::ascii_isdigit(static_cast<unsigned char>(w[k])) || w[k] == '.'))
      ++k;
    if (k == 0) continue;
    if (k == w.size()) {
      if (!absl::SimpleAtod(w, &value) || i + 1 >= toks.size()) continue;
      unit = toks[i + 1].w;
    } else {
      if (!absl::SimpleAtod(w.substr(0, k), &value)) continue;
      unit = w.substr(k);
    }
    if (!IsTimeUnit(unit)) continue;
    const bool minutes = unit[0] == 'm';
    return minutes ? value * 60 : value;
  }
  return std::nullopt;
}

}  // namespace

absl::Status ValidateScenePrompt(absl::string_view prompt, const SceneLimits& limits) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(prompt);
  if (trimmed.empty()) return absl::InvalidArgumentError("prompt: must not be empty");
  if (const size_t n = Utf8Length(trimmed); n > static_cast<size_t>(limits.max_prompt_chars)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("prompt: must be at most %d characters after trimming (got %d)",
                        limits.max_prompt_chars, n));
  }
  return absl::OkStatus();
}

std::vector<std::string> RepairScenePlan(v1::ScenePlan* scene, const SceneLimits& limits) {
  std::vector<std::string> warnings;
  v1::SceneEnvironment* env = scene->mutable_environment();
  env->set_theme(CollapseWhitespace(env->theme()));
  if (env->theme().empty()) {
    env->set_theme("studio");
    warnings.push_back("environment.theme: none given; defaulted to \"studio\"");
  }
  env->set_weather(CollapseWhitespace(env->weather()));
  if (env->weather().empty()) {
    env->set_weather("clear");
    warnings.push_back("environment.weather: none given; defaulted to \"clear\"");
  }
  const std::string time = NormalizeTimeOfDay(env->time_of_day());
  if (time.empty()) {
    warnings.push_back(
        env->time_of_day().empty()
            ? std::string("environment.time_of_day: none given; defaulted to \"day\"")
            : absl::StrFormat("environment.time_of_day: \"%s\" is not dawn, day, "
                              "dusk or night; defaulted to \"day\"",
                              TruncateText(env->time_of_day(), 40)));
    env->set_time_of_day("day");
  } else if (time != env->time_of_day()) {
    warnings.push_back(absl::StrFormat("environment.time_of_day: \"%s\" mapped to \"%s\"",
                                       TruncateText(env->time_of_day(), 40), time));
    env->set_time_of_day(time);
  }

  // Objects.
  auto* objects = scene->mutable_objects();
  for (int i = 0; i < objects->size();) {
    v1::SceneObject* o = objects->Mutable(i);
    o->set_type(CollapseWhitespace(o->type()));
    if (o->type().empty()) {
      warnings.push_back(absl::StrFormat("objects[%d]: dropped an object without a type", i));
      objects->DeleteSubrange(i, 1);
      continue;
    }
    if (o->count() < limits.min_object_count || o->count() > limits.max_object_count) {
      const int clamped =
          std::min(limits.max_object_count, std::max(limits.min_object_count, o->count()));
      warnings.push_back(absl::StrFormat("objects[%d] (%s): count %d clamped to %d", i, o->type(),
                                         o->count(), clamped));
      o->set_count(clamped);
    }
    std::vector<std::string> tags;
    for (const std::string& t : o->tags()) AddUnique(&tags, CollapseWhitespace(t));
    if (static_cast<int>(tags.size()) < o->tags_size()) {
      warnings.push_back(absl::StrFormat("objects[%d] (%s): dropped %d empty or duplicate tags", i,
                                         o->type(),
                                         o->tags_size() - static_cast<int>(tags.size())));
    }
    if (static_cast<int>(tags.size()) > limits.max_tags_per_object) {
      warnings.push_back(absl::StrFormat("objects[%d] (%s): kept the first %d of %d tags", i,
                                         o->type(), limits.max_tags_per_object, tags.size()));
      tags.resize(limits.max_tags_per_object);
    }
    if (static_cast<int>(tags.size()) != o->tags_size()) {
      o->clear_tags();
      for (const std::string& t : tags) o->add_tags(t);
    }
    ++i;
  }
  if (objects->size() > limits.max_objects) {
    warnings.push_back(
        absl::StrFormat("objects: kept the first %d of %d", limits.max_objects, objects->size()));
    objects->DeleteSubrange(limits.max_objects, objects->size() - limits.max_objects);
  }

  // Characters.
  auto* characters = scene->mutable_characters();
  if (characters->size() > limits.max_characters) {
    warnings.push_back(absl::StrFormat("characters: kept the first %d of %d", limits.max_characters,
                                       characters->size()));
    characters->DeleteSubrange(limits.max_characters, characters->size() - limits.max_characters);
  }
  for (int i = 0; i < characters->size(); ++i) {
    v1::SceneCharacter* c = characters->Mutable(i);
    c->set_rig(AsciiLower(CollapseWhitespace(c->rig())));
    if (c->rig().empty()) {
      c->set_rig("humanoid");
      warnings.push_back(absl::StrFormat("characters[%d]: no rig; defaulted to \"humanoid\"", i));
    }
    c->set_motion(CollapseWhitespace(c->motion()));
    if (c->motion().empty()) {
      const absl::string_view motion = DefaultMotionFor(c->rig());
      c->set_motion(std::string(motion));
      warnings.push_back(absl::StrFormat("characters[%d] (%s): no motion; defaulted to \"%s\"", i,
                                         c->rig(), motion));
    }
  }

  // Camera.
  v1::SceneCamera* camera = scene->mutable_camera();
  const std::string path = NormalizeCameraPath(camera->path());
  if (path.empty()) {
    warnings.push_back(camera->path().empty()
                           ? std::string("camera.path: none given; defaulted to \"static\"")
                           : absl::StrFormat("camera.path: \"%s\" is not a known path; "
                                             "defaulted to \"static\"",
                                             TruncateText(camera->path(), 40)));
    camera->set_path("static");
  } else if (path != camera->path()) {
    warnings.push_back(absl::StrFormat("camera.path: \"%s\" mapped to \"%s\"",
                                       TruncateText(camera->path(), 40), path));
    camera->set_path(path);
  }
  const double duration = camera->duration_seconds();
  if (!std::isfinite(duration) || duration <= 0) {
    camera->set_duration_seconds(limits.default_duration_seconds);
    warnings.push_back(absl::StrFormat("camera.duration_seconds: none given; defaulted to %g s",
                                       limits.default_duration_seconds));
  } else if (duration < limits.min_duration_seconds || duration > limits.max_duration_seconds) {
    const double clamped =
        std::min(limits.max_duration_seconds, std::max(limits.min_duration_seconds, duration));
    warnings.push_back(
        absl::StrFormat("camera.duration_seconds: %g s clamped to %g s", duration, clamped));
    camera->set_duration_seconds(clamped);
  }

  // Audio.
  v1::SceneAudio* audio = scene->mutable_audio();
  audio->set_music(CollapseWhitespace(audio->music()));
  if (audio->music().empty()) {
    const absl::string_view music = DefaultMusicFor(AsciiLower(env->theme()));
    audio->set_music(std::string(music));
    warnings.push_back(absl::StrFormat("audio.music: none given; chose \"%s\" for the %s theme",
                                       music, env->theme()));
  }
  std::vector<std::string> sfx;
  for (const std::string& s : audio->sfx()) AddUnique(&sfx, CollapseWhitespace(s));
  if (static_cast<int>(sfx.size()) < audio->sfx_size()) {
    warnings.push_back(absl::StrFormat("audio.sfx: dropped %d empty or duplicate sound effects",
                                       audio->sfx_size() - static_cast<int>(sfx.size())));
  }
  if (static_cast<int>(sfx.size()) > limits.max_sfx) {
    warnings.push_back(absl::StrFormat("audio.sfx: kept the first %d of %d sound effects",
                                       limits.max_sfx, sfx.size()));
    sfx.resize(limits.max_sfx);
  }
  if (static_cast<int>(sfx.size()) != audio->sfx_size()) {
    audio->clear_sfx();
    for (const std::string& s : sfx) audio->add_sfx(s);
  }
  for (const std::string& w : warnings) scene->add_warnings(w);
  return warnings;
}

absl::StatusOr<v1::ScenePlan> BuiltinScenePlanner::PlanScene(absl::string_view prompt) {
  if (absl::Status status = ValidateScenePrompt(prompt, limits_); !status.ok()) return status;
  std::vector<Tok> toks = Tokenize(prompt);
  v1::ScenePlan scene;
  scene.set_backend(std::string(kBackend));

  // Environment: setting and style make the theme ("cyberpunk alley").
  size_t style_at = 0;
  size_t setting_at = 0;
  auto style = FindFirst(toks, Styles(), &style_at);
  auto setting = FindFirst(toks, Settings(), &setting_at);
  std::vector<std::string> theme;
  if (style.has_value()) theme.emplace_back(style->first->value);
  if (setting.has_value()) theme.emplace_back(setting->first->value);
  scene.mutable_environment()->set_theme(absl::StrJoin(theme, " "));
  if (setting.has_value()) {
    for (size_t u = 0; u < setting->second; ++u) toks[setting_at + u].used = true;
  }

  // Weather: precipitation first, then atmosphere; "clear" only when nothing else.
  std::vector<std::string> precipitation;
  std::vector<std::string> atmosphere;
  bool clear = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].used) continue;
    auto m = MatchLexicon(toks, i, Weathers());
    if (!m.has_value()) continue;
    if (m->first->category == 1) AddUnique(&precipitation, m->first->value);
    if (m->first->category == 2) AddUnique(&atmosphere, m->first->value);
    if (m->first->category == 3) clear = true;
    for (size_t u = 0; u < m->second; ++u) toks[i + u].used = true;
    i += m->second - 1;
  }
  std::vector<std::string> weather = precipitation;
  weather.insert(weather.end(), atmosphere.begin(), atmosphere.end());
  if (weather.empty() && clear) weather.push_back("clear");
  scene.mutable_environment()->set_weather(JoinWithAnd(weather));

  if (auto time = FindFirst(toks, TimesOfDay()); time.has_value()) {
    scene.mutable_environment()->set_time_of_day(std::string(time->first->value));
  }

  // Camera path and duration.
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].used) continue;
    auto m = MatchLexicon(toks, i, CameraPaths());
    if (!m.has_value()) continue;
    // "still water", "fixed price" are not camera moves unless a camera word is near.
    const std::string value(m->first->value);
    if (value == "static" || m->first->phrase == "rising" || m->first->phrase == "sweeping" ||
        m->first->phrase == "tracking" || m->first->phrase == "boom" ||
        m->first->phrase == "zoom") {
      bool camera_word = false;
      for (size_t k = (i >= 2 ? i - 2 : 0); k < std::min(toks.size(), i + m->second + 2); ++k) {
        if (toks[k].w == "camera" || toks[k].w == "shot" || toks[k].w == "cam" ||
            toks[k].w == "view" || toks[k].w == "angle") {
          camera_word = true;
        }
      }
      if (!camera_word) continue;
    }
    scene.mutable_camera()->set_path(value);
    for (size_t u = 0; u < m->second; ++u) toks[i + u].used = true;
    break;
  }
  if (std::optional<double> seconds = ReadDuration(toks); seconds.has_value()) {
    scene.mutable_camera()->set_duration_seconds(*seconds);
  }

  // Music.
  std::string music;
  for (size_t i = 0; i < toks.size() && music.empty(); ++i) {
    if (!MusicNouns().contains(toks[i].w)) continue;
    std::vector<std::string> words;
    for (size_t back = 1; back <= 2 && back <= i; ++back) {
      const Tok& t = toks[i - back];
      if (t.boundary_after || IsSceneStopword(t.w)) break;
      words.insert(words.begin(), t.w);
    }
    if (!words.empty()) {
      music = absl::StrJoin(words, " ");
      for (size_t back = 0; back <= words.size(); ++back) toks[i - back].used = true;
    }
  }
  if (music.empty()) {
    for (size_t i = 0; i < toks.size(); ++i) {
      if (toks[i].used) continue;
      if (auto m = MatchLexicon(toks, i, MusicGenres()); m.has_value()) {
        music = std::string(m->first->value);
        for (size_t u = 0; u < m->second; ++u) toks[i + u].used = true;
        break;
      }
    }
  }
  scene.mutable_audio()->set_music(music);

  // Explicit sound effects: "sound of distant sirens", "sirens", "footsteps".
  std::vector<std::string> sfx;
  for (size_t i = 0; i + 2 < toks.size(); ++i) {
    if ((toks[i].w == "sound" || toks[i].w == "sounds") && toks[i + 1].w == "of" &&
        !toks[i].boundary_after) {
      std::vector<std::string> words;
      for (size_t k = i + 2; k < toks.size() && k < i + 5; ++k) {
        if (IsSceneStopword(toks[k].w)) break;
        words.push_back(toks[k].w);
        toks[k].used = true;
        if (toks[k].boundary_after) break;
      }
      if (!words.empty()) AddUnique(&sfx, absl::StrJoin(words, " "));
    }
  }
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].used) continue;
    if (auto m = MatchLexicon(toks, i, ExplicitSfx()); m.has_value()) {
      AddUnique(&sfx, m->first->value);
      for (size_t u = 0; u < m->second; ++u) toks[i + u].used = true;
    }
  }

  // Characters and objects.
  SceneText text;
  ReadCharactersAndObjects(toks, &text, limits_.max_characters);
  for (const ParsedObject& o : text.objects) {
    v1::SceneObject* out = scene.add_objects();
    out->set_type(o.type);
    out->set_count(o.count);
    for (const std::string& t : o.tags) out->add_tags(t);
  }
  for (const auto& [rig, motion] : text.characters) {
    v1::SceneCharacter* c = scene.add_characters();
    c->set_rig(rig);
    c->set_motion(motion);
  }

  // Sound effects the scene implies.
  const std::string env_words =
      AsciiLower(absl::StrCat(scene.environment().weather(), " ", scene.environment().theme()));
  auto env_has = [&env_words](absl::string_view w) { return ContainsPhrase(env_words, w); };
  if (env_has("thunderstorm")) {
    AddUnique(&sfx, "thunder");
    AddUnique(&sfx, "rain");
  }
  if (env_has("rain") || env_has("drizzle")) AddUnique(&sfx, "rain");
  if (env_has("wind") || env_has("sandstorm") || env_has("blizzard")) AddUnique(&sfx, "wind");
  const int setting_kind = setting.has_value() ? setting->first->category : 0;
  const bool night = scene.environment().time_of_day() == "night";
  if (setting_kind == 1 || env_has("cyberpunk")) AddUnique(&sfx, "distant traffic");
  if (setting_kind == 2 && (env_has("forest") || env_has("jungle") || env_has("meadow") ||
                            env_has("park") || env_has("garden") || env_has("field"))) {
    AddUnique(&sfx, night ? "crickets" : "birdsong");
  }
  if (env_has("underwater")) {
    AddUnique(&sfx, "bubbles");
  } else if (setting_kind == 3) {
    AddUnique(&sfx, env_has("river") ? "flowing water" : "waves");
  }
  if (env_has("cave") || env_has("dungeon") || env_has("crypt")) AddUnique(&sfx, "dripping water");
  if (setting_kind == 5) AddUnique(&sfx, "crowd chatter");
  if (setting_kind == 6) AddUnique(&sfx, "engine hum");
  if (setting_kind == 7) AddUnique(&sfx, "machinery hum");
  for (const ParsedObject& o : text.objects) {
    if (o.category == 1) AddUnique(&sfx, "engines");
    if (o.category == 2) AddUnique(&sfx, "crackling fire");
    if (o.category == 3) AddUnique(&sfx, "neon buzz");
    if (o.category == 4) AddUnique(&sfx, "running water");
    if (o.type == "clock") AddUnique(&sfx, "ticking clock");
  }
  for (const auto& [rig, motion] : text.characters) {
    if (rig == "humanoid" && (motion == "walk" || motion == "run" || motion == "dance" ||
                              motion == "patrol" || motion == "sneak")) {
      AddUnique(&sfx, "footsteps");
    }
    if (rig == "robot") AddUnique(&sfx, "servo whir");
    if (rig == "bird") AddUnique(&sfx, "wing flaps");
  }
  for (const std::string& noun : text.character_nouns) {
    if (noun == "crowd" || noun == "people") AddUnique(&sfx, "crowd chatter");
    if (noun == "horse" || noun == "horses") AddUnique(&sfx, "hooves");
    if (noun == "dog" || noun == "dogs" || noun == "wolf" || noun == "wolves") {
      AddUnique(&sfx, noun[0] == 'w' ? "howling" : "barking");
    }
  }
  for (const std::string& s : sfx) scene.mutable_audio()->add_sfx(s);

  RepairScenePlan(&scene, limits_);
  return scene;
}

// ---------------------------------------------------------------------------------------------
// LLM replies
// ---------------------------------------------------------------------------------------------

namespace {

using Json = nlohmann::json;

const Json* SceneField(const Json& object, std::initializer_list<absl::string_view> names) {
  if (!object.is_object()) return nullptr;
  for (absl::string_view name : names) {
    auto it = object.find(std::string(name));
    if (it != object.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

absl::Status SceneString(const Json& object, std::initializer_list<absl::string_view> names,
                         const std::string& path, std::string* out) {
  const Json* v = SceneField(object, names);
  if (v == nullptr) return absl::OkStatus();
  if (v->is_string()) {
    *out = v->get<std::string>();
  } else if (v->is_number()) {
    *out = v->dump();
  } else {
    return absl::InvalidArgumentError(absl::StrCat(path, ": expected a string"));
  }
  return absl::OkStatus();
}

std::optional<double> SceneNumber(const Json& object,
                                  std::initializer_list<absl::string_view> names) {
  const Json* v = SceneField(object, names);
  if (v == nullptr) return std::nullopt;
  if (v->is_number()) return v->get<double>();
  if (v->is_string()) {
    absl::string_view s = absl::StripAsciiWhitespace(v->get_ref<const std::string&>());
    size_t end = 0;
    while (end < s.size() && (absl::ascii_isdigit(static_cast<unsigned char>(s[end])) ||
                              s[end] == '.' || (end == 0 && s[end] == '-'))) {
      ++end;
    }
    double d = 0;
    if (end > 0 && absl::SimpleAtod(s.substr(0, end), &d)) return d;
  }
  return std::nullopt;
}

std::vector<std::string> SceneStrings(const Json& object,
                                      std::initializer_list<absl::string_view> names) {
  std::vector<std::string> out;
  const Json* v = SceneField(object, names);
  if (v == nullptr) return out;
  if (v->is_string()) {
    for (absl::string_view piece : absl::StrSplit(v->get_ref<const std::string&>(), ',')) {
      const std::string s = CollapseWhitespace(piece);
      if (!s.empty()) out.push_back(s);
    }
    return out;
  }
  if (v->is_array()) {
    for (const Json& item : *v) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ScenePlan> ParseScenePlanJson(absl::string_view llm_reply) {
  absl::StatusOr<std::string> text = ExtractJson(llm_reply);
  if (!text.ok()) return text.status();
  Json root;
  try {
    root = Json::parse(*text);
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("LLM reply is not valid JSON: ", e.what()));
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError("LLM reply's JSON must be an object describing the scene");
  }
  const Json* top = &root;
  if (const Json* inner = SceneField(root, {"scene_plan", "scene", "plan"});
      inner != nullptr && inner->is_object()) {
    top = inner;
  }
  const bool looks_like_scene =
      SceneField(*top, {"environment", "objects", "characters", "camera", "audio"}) != nullptr;
  if (!looks_like_scene) {
    return absl::InvalidArgumentError(
        "LLM reply has none of environment, objects, characters, camera or audio");
  }
  v1::ScenePlan scene;
  if (const Json* env = SceneField(*top, {"environment", "env"}); env != nullptr) {
    if (!env->is_object()) return absl::InvalidArgumentError("environment: expected an object");
    v1::SceneEnvironment* e = scene.mutable_environment();
    std::string s;
    if (auto st = SceneString(*env, {"theme", "setting"}, "environment.theme", &s); !st.ok())
      return st;
    e->set_theme(s);
    s.clear();
    if (auto st = SceneString(*env, {"weather"}, "environment.weather", &s); !st.ok()) return st;
    e->set_weather(s);
    s.clear();
    if (auto st =
            SceneString(*env, {"time_of_day", "time", "timeOfDay"}, "environment.time_of_day", &s);
        !st.ok()) {
      return st;
    }
    e->set_time_of_day(s);
  }
  if (const Json* objects = SceneField(*top, {"objects", "props"}); objects != nullptr) {
    if (!objects->is_array()) return absl::InvalidArgumentError("objects: expected a list");
    for (size_t i = 0; i < objects->size(); ++i) {
      const Json& o = (*objects)[i];
      v1::SceneObject* out = scene.add_objects();
      if (o.is_string()) {
        out->set_type(o.get<std::string>());
        out->set_count(1);
        continue;
      }
      if (!o.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat("objects[", i, "]: expected an object"));
      }
      std::string type;
      if (auto st = SceneString(o, {"type", "name", "object"},
                                absl::StrCat("objects[", i, "].type"), &type);
          !st.ok()) {
        return st;
      }
      out->set_type(type);
      const std::optional<double> count = SceneNumber(o, {"count", "instances", "quantity"});
      out->set_count(count.has_value()
                         ? static_cast<int>(std::max(-1e6, std::min(1e6, std::round(*count))))
                         : 1);
      for (const std::string& t : SceneStrings(o, {"tags", "attributes"})) out->add_tags(t);
    }
  }
  if (const Json* characters = SceneField(*top, {"characters", "actors"}); characters != nullptr) {
    if (!characters->is_array()) return absl::InvalidArgumentError("characters: expected a list");
    for (size_t i = 0; i < characters->size(); ++i) {
      const Json& c = (*characters)[i];
      if (!c.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat("characters[", i, "]: expected an object"));
      }
      v1::SceneCharacter* out = scene.add_characters();
      std::string s;
      if (auto st = SceneString(c, {"rig", "type"}, absl::StrCat("characters[", i, "].rig"), &s);
          !st.ok()) {
        return st;
      }
      out->set_rig(s);
      s.clear();
      if (auto st = SceneString(c, {"motion", "action", "animation"},
                                absl::StrCat("characters[", i, "].motion"), &s);
          !st.ok()) {
        return st;
      }
      out->set_motion(s);
    }
  }
  if (const Json* camera = SceneField(*top, {"camera"}); camera != nullptr) {
    if (camera->is_string()) {
      scene.mutable_camera()->set_path(camera->get<std::string>());
    } else if (camera->is_object()) {
      std::string path;
      if (auto st = SceneString(*camera, {"path", "move", "type"}, "camera.path", &path);
          !st.ok()) {
        return st;
      }
      scene.mutable_camera()->set_path(path);
      if (auto d = SceneNumber(*camera, {"duration_seconds", "duration", "seconds"});
          d.has_value()) {
        scene.mutable_camera()->set_duration_seconds(*d);
      }
    } else {
      return absl::InvalidArgumentError("camera: expected an object");
    }
  }
  if (const Json* audio = SceneField(*top, {"audio", "sound"}); audio != nullptr) {
    if (!audio->is_object()) return absl::InvalidArgumentError("audio: expected an object");
    std::string music;
    if (auto st = SceneString(*audio, {"music", "mood"}, "audio.music", &music); !st.ok())
      return st;
    scene.mutable_audio()->set_music(music);
    for (const std::string& s : SceneStrings(*audio, {"sfx", "effects", "sound_effects"})) {
      scene.mutable_audio()->add_sfx(s);
    }
  }
  return scene;
}

}  // namespace armature::planner
