# timeout 0
# expect: 5:15 between 1 and 900
function "a" {
  configuration {
    timeout = 0
  }
}
