# Helpers shared by the load scripts in bench/ (sourced, not run).

# median prints the median of the space-separated numbers in $1.
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
