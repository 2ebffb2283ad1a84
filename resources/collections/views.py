"""The collection pages (`resources:collection…`). Thin: parse, call one service or selector,
render. Every page works without JavaScript: reordering is a pair of buttons per item."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resources.collections import selectors, services
from resources.collections.forms import AddItemForm, CollectionForm, MoveForm, NewCollectionForm
from resources.collections.policies import (
    access_collection,
    audiences_for,
    curates_anything,
    curates_community,
    curating_schools,
    may_curate,
)
from resources.policies import access_resource


def _curated(request, collection_id):
    """The collection, if the user sees it and curates it now; 404 otherwise (a reader learns
    nothing more from a guessed edit URL than from a missing one)."""
    collection = access_collection(user=request.user, collection_id=collection_id)
    if not may_curate(user=request.user, collection=collection):
        raise Http404
    return collection


@login_required
@require_GET
def collections(request):
    return render(request, "resources/collections.html", {"page": selectors.collections_page(user=request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def collection_new(request):
    if not curates_anything(request.user):
        raise Http404
    form = NewCollectionForm(
        request.POST or None, schools=curating_schools(request.user), community=curates_community(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            collection = services.collection_create(
                user=request.user,
                school=data["school"],
                audience=data["audience"],
                title=data["title"],
                introduction=data["introduction"],
                featured=data["featured"],
                client_key=data["client_key"],
            )
        except PermissionDenied:
            raise Http404 from None
        except services.CollectionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("The collection is made. Add resources to it."))
            return redirect("resources:collection_items", collection_id=collection.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/collection_edit.html", {"form": form, "collection": None}, status=status)


@login_required
@require_GET
def collection_detail(request, collection_id):
    collection = access_collection(user=request.user, collection_id=collection_id)
    page = selectors.collection_page(user=request.user, collection=collection)
    return render(request, "resources/collection.html", {"page": page, "collection": collection})


@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request, collection_id):
    collection = _curated(request, collection_id)
    form = CollectionForm(
        request.POST or None,
        audiences=audiences_for(school_id=collection.school_id),
        initial={
            "title": collection.title,
            "introduction": collection.introduction,
            "audience": collection.audience,
            "featured": collection.featured,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.collection_update(user=request.user, collection=collection, **form.cleaned_data)
        except services.CollectionRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("resources:collection", collection_id=collection.pk)
    status = 422 if form.errors else 200
    return render(request, "resources/collection_edit.html", {"form": form, "collection": collection}, status=status)


@login_required
@require_POST
def collection_delete(request, collection_id):
    collection = _curated(request, collection_id)
    services.collection_delete(user=request.user, collection=collection)
    messages.success(request, _("The collection is deleted."))
    return redirect("resources:collections")


@login_required
@require_http_methods(["GET", "POST"])
def collection_items(request, collection_id):
    """Add resources: search the library (GET q=), then "Add" beside a result (POST)."""
    collection = _curated(request, collection_id)
    query = request.GET.get("q", "") or request.POST.get("q", "")
    if request.method == "POST":
        form = AddItemForm(request.POST)
        if not form.is_valid():
            raise Http404
        resource = access_resource(user=request.user, resource_id=form.cleaned_data["resource"])
        try:
            services.collection_item_add(user=request.user, collection=collection, resource=resource)
        except services.CollectionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("%(title)s is added.") % {"title": resource.title})
        url = reverse("resources:collection_items", args=[collection.pk])
        return redirect(f"{url}?{urlencode({'q': query})}" if query.strip() else url)
    return render(
        request,
        "resources/collection_items.html",
        {
            "collection": collection,
            "page": selectors.collection_page(user=request.user, collection=collection),
            "query": query.strip(),
            "found": selectors.resources_to_add(user=request.user, collection=collection, query=query),
        },
    )


@login_required
@require_POST
def collection_item_remove(request, collection_id, item_id):
    collection = _curated(request, collection_id)
    item = get_object_or_404(collection.items, pk=item_id)
    services.collection_item_remove(user=request.user, collection=collection, item=item)
    messages.success(request, _("Taken out of the collection."))
    return redirect("resources:collection_items", collection_id=collection.pk)


@login_required
@require_POST
def collection_item_move(request, collection_id, item_id):
    collection = _curated(request, collection_id)
    item = get_object_or_404(collection.items, pk=item_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.collection_item_move(
            user=request.user, collection=collection, item=item, direction=form.cleaned_data["direction"]
        )
    return redirect(reverse("resources:collection_items", args=[collection.pk]) + f"#item-{item.pk}")
