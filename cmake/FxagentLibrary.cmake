# fxagent_library(<name> <source>... [PUBLIC <lib>...] [PRIVATE <lib>...])
#
# One folder = one library: defines fxagent_<name> with the alias agent::<name>, linked
# PUBLIC to agent::settings (C++20, warnings, sanitizers, the include root) and to what
# its headers include, PRIVATE to what only its sources use.
function(fxagent_library name)
  cmake_parse_arguments(ARG "" "" "PUBLIC;PRIVATE" ${ARGN})
  add_library(fxagent_${name} ${ARG_UNPARSED_ARGUMENTS})
  add_library(agent::${name} ALIAS fxagent_${name})
  target_link_libraries(fxagent_${name} PUBLIC agent::settings ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()
