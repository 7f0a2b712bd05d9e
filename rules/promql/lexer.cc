#include "rules/promql/lexer.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

namespace fxagent::promql {
namespace {

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

const std::unordered_map<std::string, Tok>& Keywords() {
  static const auto* kMap = new std::unordered_map<std::string, Tok>{
      {"and", Tok::kLand},
      {"or", Tok::kLor},
      {"unless", Tok::kLunless},
      {"atan2", Tok::kAtan2},
      {"by", Tok::kBy},
      {"without", Tok::kWithout},
      {"on", Tok::kOn},
      {"ignoring", Tok::kIgnoring},
      {"group_left", Tok::kGroupLeft},
      {"group_right", Tok::kGroupRight},
      {"bool", Tok::kBool},
      {"offset", Tok::kOffset},
      {"sum", Tok::kAggregator},
      {"avg", Tok::kAggregator},
      {"count", Tok::kAggregator},
      {"min", Tok::kAggregator},
      {"max", Tok::kAggregator},
      {"group", Tok::kAggregator},
      {"stddev", Tok::kAggregator},
      {"stdvar", Tok::kAggregator},
      {"topk", Tok::kAggregator},
      {"bottomk", Tok::kAggregator},
      {"count_values", Tok::kAggregator},
      {"quantile", Tok::kAggregator},
      {"inf", Tok::kNumber},
      {"nan", Tok::kNumber},
  };
  return *kMap;
}

// Appends the UTF-8 encoding of code point cp.
void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> Run() {
    while (true) {
      SkipSpace();
      if (pos_ >= in_.size()) {
        if (!open_.empty()) {
          static constexpr const char* kNames[] = {"parenthesis", "brace", "bracket"};
          return Fail(open_.back().second,
                      std::string("unclosed left ") + kNames[open_.back().first]);
        }
        out_.push_back({Tok::kEOF, "", "", pos_});
        return std::move(out_);
      }
      if (!Step()) return std::move(out_);
    }
  }

 private:
  std::vector<Token> Fail(size_t pos, std::string msg) {
    out_.push_back({Tok::kError, "", std::move(msg), pos});
    return std::move(out_);
  }
  void Record(size_t pos, std::string msg) {
    out_.push_back({Tok::kError, "", std::move(msg), pos});
  }
  bool Error(size_t pos, std::string msg) {
    Record(pos, std::move(msg));
    return false;
  }
  bool InBraces() const { return !open_.empty() && open_.back().first == 1; }

  void SkipSpace() {
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < in_.size() && in_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  void Emit(Tok t, size_t start, std::string value = "") {
    out_.push_back({t, std::string(in_.substr(start, pos_ - start)), std::move(value), start});
  }

  bool Open(int kind, Tok t) {
    open_.push_back({kind, pos_});
    ++pos_;
    Emit(t, pos_ - 1);
    return true;
  }
  bool Close(int kind, Tok t) {
    static constexpr const char* kMsgs[] = {"unexpected right parenthesis ')'",
                                            "unexpected right brace '}'",
                                            "unexpected right bracket ']'"};
    if (open_.empty() || open_.back().first != kind) return Error(pos_, kMsgs[kind]);
    open_.pop_back();
    ++pos_;
    Emit(t, pos_ - 1);
    return true;
  }

  bool Step() {
    const size_t start = pos_;
    const char c = in_[pos_];
    auto next = [&](size_t k) { return pos_ + k < in_.size() ? in_[pos_ + k] : '\0'; };
    auto op = [&](Tok t, size_t len) {
      pos_ += len;
      Emit(t, start);
      return true;
    };
    if (InBraces()) {
      if (c == '}') return Close(1, Tok::kRightBrace);
      if (c == ',') return op(Tok::kComma, 1);
      if (c == '=') return next(1) == '~' ? op(Tok::kEqlRegex, 2) : op(Tok::kAssign, 1);
      if (c == '!') {
        if (next(1) == '=') return op(Tok::kNeq, 2);
        if (next(1) == '~') return op(Tok::kNeqRegex, 2);
        return Error(pos_, "unexpected character inside braces: '!'");
      }
      if (c == '"' || c == '\'' || c == '`') return LexString();
      if (IsAlpha(c)) {
        while (pos_ < in_.size() && IsAlnum(in_[pos_])) ++pos_;
        Emit(Tok::kIdentifier, start);
        return true;
      }
      return Error(pos_, std::string("unexpected character inside braces: '") + c + "'");
    }
    switch (c) {
      case '(':
        return Open(0, Tok::kLeftParen);
      case ')':
        return Close(0, Tok::kRightParen);
      case '{':
        return Open(1, Tok::kLeftBrace);
      case '}':
        return Close(1, Tok::kRightBrace);
      case '[':
        return Open(2, Tok::kLeftBracket);
      case ']':
        return Close(2, Tok::kRightBracket);
      case ',':
        return op(Tok::kComma, 1);
      case ':':
        return op(Tok::kColon, 1);
      case '@':
        return op(Tok::kAt, 1);
      case '+':
        return op(Tok::kAdd, 1);
      case '-':
        return op(Tok::kSub, 1);
      case '*':
        return op(Tok::kMul, 1);
      case '/':
        return op(Tok::kDiv, 1);
      case '%':
        return op(Tok::kMod, 1);
      case '^':
        return op(Tok::kPow, 1);
      case '=':
        if (next(1) == '=') return op(Tok::kEqlc, 2);
        if (next(1) == '~') return op(Tok::kEqlRegex, 2);
        return op(Tok::kAssign, 1);
      case '!':
        if (next(1) == '=') return op(Tok::kNeq, 2);
        if (next(1) == '~') return op(Tok::kNeqRegex, 2);
        return Error(pos_, "unexpected character after '!'");
      case '<':
        return next(1) == '=' ? op(Tok::kLte, 2) : op(Tok::kLss, 1);
      case '>':
        return next(1) == '=' ? op(Tok::kGte, 2) : op(Tok::kGtr, 1);
      case '"':
      case '\'':
      case '`':
        return LexString();
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(next(1)))) return LexNumberOrDuration();
    if (IsAlpha(c) || c == ':') {
      bool colon = false;
      while (pos_ < in_.size() && (IsAlnum(in_[pos_]) || in_[pos_] == ':')) {
        colon |= in_[pos_] == ':';
        ++pos_;
      }
      if (colon) {
        Emit(Tok::kMetricIdentifier, start);
        return true;
      }
      std::string lower(in_.substr(start, pos_ - start));
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      auto it = Keywords().find(lower);
      if (it != Keywords().end()) {
        Emit(it->second, start);
        out_.back().text = lower;
      } else {
        Emit(Tok::kIdentifier, start);
      }
      return true;
    }
    return Error(pos_, std::string("unexpected character: '") + c + "'");
  }

  bool LexNumberOrDuration() {
    const size_t start = pos_;
    // A duration: one or more <digits><unit>, not followed by an alphanumeric.
    size_t p = pos_;
    bool any = false;
    while (p < in_.size() && IsDigit(in_[p])) {
      size_t q = p;
      while (q < in_.size() && IsDigit(in_[q])) ++q;
      size_t u = q;
      while (u < in_.size() && std::isalpha(static_cast<unsigned char>(in_[u]))) ++u;
      std::string_view unit = in_.substr(q, u - q);
      if (unit != "ms" && unit != "s" && unit != "m" && unit != "h" && unit != "d" && unit != "w" &&
          unit != "y") {
        break;
      }
      any = true;
      p = u;
    }
    if (any && (p >= in_.size() || !(IsAlnum(in_[p]) || in_[p] == '.'))) {
      if (ParseDurationMs(in_.substr(start, p - start)) < 0) {
        return Error(start,
                     "bad duration syntax: \"" + std::string(in_.substr(start, p - start)) + "\"");
      }
      pos_ = p;
      Emit(Tok::kDuration, start);
      return true;
    }
    auto run = [&](bool hex) {
      while (pos_ < in_.size() && (hex ? HexVal(in_[pos_]) >= 0 : IsDigit(in_[pos_]))) ++pos_;
    };
    if (in_[pos_] == '0' && pos_ + 1 < in_.size() &&
        (in_[pos_ + 1] == 'x' || in_[pos_ + 1] == 'X')) {
      pos_ += 2;
      run(true);
    } else {
      run(false);
      if (pos_ < in_.size() && in_[pos_] == '.') {
        ++pos_;
        run(false);
      }
      if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
        run(false);
      }
    }
    if (pos_ < in_.size() && (IsAlnum(in_[pos_]) || in_[pos_] == '.')) {
      while (pos_ < in_.size() && (IsAlnum(in_[pos_]) || in_[pos_] == '.')) ++pos_;
      return Error(start, "bad number or duration syntax: \"" +
                              std::string(in_.substr(start, pos_ - start)) + "\"");
    }
    Emit(Tok::kNumber, start);
    return true;
  }

  bool LexString() {
    const size_t start = pos_;
    const char quote = in_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= in_.size() || (quote != '`' && in_[pos_] == '\n')) {
        return Error(start, "unterminated quoted string");
      }
      char c = in_[pos_++];
      if (c == quote) break;
      if (c != '\\' || quote == '`') {
        value += c;
        continue;
      }
      if (pos_ >= in_.size()) return Error(start, "unterminated quoted string");
      char e = in_[pos_++];
      switch (e) {
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
        case '"':
          value += e;
          break;
        case 'x':
        case 'u':
        case 'U': {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t cp = 0;
          for (int i = 0; i < n; ++i) {
            if (pos_ >= in_.size() || HexVal(in_[pos_]) < 0) {
              return Error(pos_, "invalid escape sequence in quoted string");
            }
            cp = cp * 16 + static_cast<uint32_t>(HexVal(in_[pos_++]));
          }
          if (e == 'x') {
            value += static_cast<char>(cp);
          } else {
            AppendUtf8(value, cp);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t cp = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2; ++i) {
              if (pos_ >= in_.size() || in_[pos_] < '0' || in_[pos_] > '7') {
                return Error(pos_, "invalid escape sequence in quoted string");
              }
              cp = cp * 8 + static_cast<uint32_t>(in_[pos_++] - '0');
            }
            value += static_cast<char>(cp);
            break;
          }
          return Error(pos_ - 2, "unknown escape sequence in quoted string");
      }
    }
    Emit(Tok::kString, start, std::move(value));
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::vector<std::pair<int, size_t>> open_;  // (0 paren, 1 brace, 2 bracket), position
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

}  // namespace fxagent::promql
