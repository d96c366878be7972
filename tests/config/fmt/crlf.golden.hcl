# A file written with CRLF stays CRLF on every line, heredocs included.
function "crlf" {
  name = "crlf"
  configuration {
    description = <<EOT
  line one ${var.x}
  EOT
    memory_size = 128 # mem
  }
}
