# a misspelt default
# expect: 4:3 did you mean "default"
variable "env" {
  defualt = "prod"
}
