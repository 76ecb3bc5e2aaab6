variable project_name
set project_name "myproject"
variable backend
set backend "vivado"
variable part
set part "xcu250-figd2104-2L-e"
variable clock_period
set clock_period 5
variable clock_uncertainty
set clock_uncertainty 12.5%
