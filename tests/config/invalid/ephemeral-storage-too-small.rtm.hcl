# /tmp below 512 MB
# expect: 6:14 between 512 and 10240
function "a" {
  configuration {
    ephemeral_storage {
      size = 256
    }
  }
}
