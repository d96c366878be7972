# a variable without a default or value
# expect: 3:10 has no value
variable "env" {
}

function "a" {
  name = "a-${var.env}"
}
