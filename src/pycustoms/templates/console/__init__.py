"""The console's templates (`*.html`) and its stylesheet (`console.css`)."""
