// The pipeline board: drag a deal card onto another stage to move it there.
// The move is a normal form post (the same as the card's own "Move" button, which works
// without a mouse); a lost stage first asks for the reason in a dialog.
(function () {
  "use strict";

  function board() {
    return document.getElementById("board");
  }

  function move(dealId, stageId, lostReason) {
    var values = { stage_id: stageId, owner: board().dataset.owner || "" };
    if (lostReason) {
      values.lost_reason = lostReason;
    }
    htmx.ajax("POST", "/deals/" + dealId + "/move", {
      target: "#board",
      swap: "outerHTML",
      values: values,
      headers: { "X-CSRF-Token": board().dataset.csrf },
    });
  }

  function askWhyLost(done) {
    var dialog = document.getElementById("lost-dialog");
    var input = document.getElementById("lost-reason");
    input.value = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "ok" && input.value.trim()) {
          done(input.value.trim());
        }
      },
      { once: true }
    );
    dialog.showModal();
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card[draggable=true]");
    if (!card) {
      return;
    }
    event.dataTransfer.setData("text/plain", card.dataset.deal);
    event.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });

  document.addEventListener("dragend", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card");
    if (card) {
      card.classList.remove("dragging");
    }
  });

  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("drop-target");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) {
      column.classList.remove("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column) {
      return;
    }
    event.preventDefault();
    column.classList.remove("drop-target");
    var dealId = event.dataTransfer.getData("text/plain");
    var card = document.getElementById("deal-" + dealId);
    if (!dealId || !card || card.closest(".board-column") === column) {
      return;
    }
    if (column.dataset.outcome === "lost") {
      askWhyLost(function (reason) {
        move(dealId, column.dataset.stage, reason);
      });
    } else {
      move(dealId, column.dataset.stage, null);
    }
  });
})();
