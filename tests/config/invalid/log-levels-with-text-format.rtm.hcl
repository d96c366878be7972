# levels need JSON logs
# expect: 6:26 require log_format
function "a" {
  configuration {
    logging_config {
      log_format       = "Text"
      system_log_level = "WARN"
    }
  }
}
