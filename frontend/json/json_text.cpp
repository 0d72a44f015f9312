#include "frontend/json/json_text.h"

#include <set>
#include <vector>

#include "frontend/json/spec_errors.h"
#include "ir/errors.h"

namespace kiln::frontend {

namespace {

using nlohmann::json;

// Follows the parser's events to know the JSON path of each key, so that a
// duplicate can be reported where it is.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string &source) : errors_(source) {}

  bool operator()(int /*depth*/, json::parse_event_t event, json &parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        begin_element();
        frames_.push_back({event == json::parse_event_t::array_start, 0, "", {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        break;
      case json::parse_event_t::key: {
        Frame &f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          errors_.fail(path(), "the field \"" + f.key + "\" is given twice");
        break;
      }
      case json::parse_event_t::value:
        begin_element();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    size_t next_index;  // arrays: the index of the next element
    std::string key;    // objects: the current key
    std::set<std::string> keys;
  };

  void begin_element() {
    if (!frames_.empty() && frames_.back().is_array) frames_.back().next_index++;
  }

  // The JSON path of the element being read.
  std::string path() const {
    std::string p;
    for (const Frame &f : frames_)
      p = f.is_array ? json_index(p, f.next_index - 1) : json_field(p, f.key);
    return p;
  }

  SpecErrors errors_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json_text(const std::string &text, const std::string &source) {
  try {
    // The parser copies its callback; the check keeps its state here.
    DuplicateKeyCheck check(source);
    return json::parse(text, [&check](int depth, json::parse_event_t event, json &parsed) {
      return check(depth, event, parsed);
    });
  } catch (const json::parse_error &e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " tag, keep the position.
    std::string message = e.what();
    if (auto p = message.find("] "); p != std::string::npos) message = message.substr(p + 2);
    throw UserError(source + ": malformed JSON: " + message);
  }
}

}  // namespace kiln::frontend
