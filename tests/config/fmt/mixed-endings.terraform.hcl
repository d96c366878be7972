# Mixed line endings: most lines end in CRLF, so every line does after fmt.
function "mixed" {
  name = "mixed"
  configuration {
    timeout = 3
  }
}
