# XML logs
# expect: 6:20 is not a valid log_format
function "a" {
  configuration {
    logging_config {
      log_format = "XML"
    }
  }
}
