# Alignment counts grapheme clusters, as terraform fmt does: a flag, a family
# emoji, a letter with combining marks and a CJK character are one column each.
function "unicode" {
  name        = "unicode"
  description = "café 🇫🇷" # flag
  configuration {
    environment {
      variables = {
        "🇫🇷"       = "flag"
        "名前"      = "cjk"       # two wide characters
        "é"       = "combining" # e and an accent
        "👨‍👩‍👧"       = "family"    # zwj
        "👍🏽"       = "skin tone" # one
        "한국어"     = "hangul"    # three
        PLAIN_KEY = "ascii"     # plain
      }
    }
  }
}
