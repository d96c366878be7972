# format with a missing argument
# expect: 4:10 more verbs than arguments
function "a" {
  name = format("%s-%s", "x")
}
