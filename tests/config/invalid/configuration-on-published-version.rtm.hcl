# published versions are immutable
# expect: 5:3 not allowed on a published version
function "a" {
  qualifier = "7"
  configuration {
    memory_size = 512
  }
}
