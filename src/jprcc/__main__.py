from jprcc.cli import main

main()
