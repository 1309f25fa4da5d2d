// The lt:* Hardhat tasks: thin wrappers over src/ (see README, "Tasks").
import "./info";
import "./wallet";
import "./operator";
import "./dex";
import "./bench";
import "./simulate";
import "./trade";
import "./deploy";
import "./indexer";
