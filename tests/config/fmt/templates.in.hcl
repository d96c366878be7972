# Quoted templates: interpolations and directives tidied as terraform fmt
# tidies them; escapes left alone.
function "templates" {
  name = "tpl-${ var.env }"
  description = "%{ if var.prod }prod%{ else }dev%{ endif } ${~ var.suffix ~}"
  configuration {
    environment {
      variables = {
        A = "${ var.a }-${ var.b }"
        B = "x${ upper( var.b ) }"
        C = "%{ for s in var.list ~}${ s },%{~ endfor }"
        D = "$${ not_interpolated } %%{ not_a_directive } $$${ nor_this }"
        # hclwrite spaces a minus right after "${" as if it were binary; so does rtm.
        E = "x${ var.n * 2 }y${ -var.m }"
        F = "x${ { k = 1 }["k"] }"
        G = "\"${ var.q }\\"
      }
    }
  }
}
