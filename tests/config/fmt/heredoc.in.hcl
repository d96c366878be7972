# Heredocs: the closing marker keeps the indentation it was written with, in
# both forms; the body is kept verbatim, its interpolations and directives
# tidied.
function "reports" {
name = "reports"
  configuration {
      description = <<EOT
   Nightly reports for ${ var.team }.
      EOT
    environment {
  variables = {
        BANNER = <<-EOT
          %{ if var.loud ~}
          LOUD ${ upper( var.team ) }
          %{~ else ~}
          quiet
          %{ endif ~}
        EOT
   TEMPLATE = <<-EOT
    keep $${ literal } and %%{ literal } and $$${ literal }
      ${~ var.name ~}
EOT
        LIST = <<EOT
%{ for k, v in var.tags }${ k }=${ v },%{ endfor }
EOT
      }
    }
  }
}
