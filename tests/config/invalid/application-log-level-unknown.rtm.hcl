# no VERBOSE level
# expect: 7:31 is not a valid application_log_level
function "a" {
  configuration {
    logging_config {
      log_format            = "JSON"
      application_log_level = "VERBOSE"
    }
  }
}
