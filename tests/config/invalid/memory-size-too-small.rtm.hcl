# below 128 MB
# expect: 5:19 between 128 and 10240
function "a" {
  configuration {
    memory_size = 64
  }
}
