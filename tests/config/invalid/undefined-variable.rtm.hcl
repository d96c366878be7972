# a misspelt variable
# expect: 8:15 undefined variable var.enviroment
variable "environment" {
  default = "prod"
}

function "a" {
  name = "a-${var.enviroment}"
}
