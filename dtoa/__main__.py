from dtoa.cli import main

main()
